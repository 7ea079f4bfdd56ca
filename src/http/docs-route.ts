import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Router } from 'express';

/** The checkout's README.md and docs/: two levels above this file, from src/http and dist/http alike. */
const ROOT = new URL('../../', import.meta.url);

export interface DocsPage {
  /** `README.md`, or a file name in docs/. */
  file: string;
  /** Its first `# ` heading. */
  title: string;
}

export interface DocsIndex {
  pages: DocsPage[];
}

export const docsPath = (file: string) => (file === 'README.md' ? '/docs/README.md' : `/docs/${file}`);

/** The Markdown files of the checkout, read once; none when the docs are not shipped (an image without them). */
export function readDocsIndex(root: URL = ROOT): DocsIndex {
  const pages: DocsPage[] = [];
  const add = (file: string, url: URL) => {
    const heading = /^# (.+)$/m.exec(readFileSync(url, 'utf8'));
    pages.push({ file, title: heading?.[1] ?? file });
  };
  if (existsSync(new URL('README.md', root))) pages.push({ file: 'README.md', title: 'README: start here' });
  const docs = new URL('docs/', root);
  if (existsSync(docs)) {
    for (const file of readdirSync(docs).filter((name) => /^[a-z0-9-]+\.md$/.test(name)).sort()) {
      add(file, new URL(file, docs));
    }
  }
  return { pages };
}

/**
 * `GET /docs/<file>.md`: the documentation as plain text, so the index page's links work offline
 * and without a code host. Only the files listed at start-up; nothing else of the disk is reachable.
 */
export function docsRouter(index: DocsIndex, root: URL = ROOT): Router {
  const router = Router();
  const files = new Map(
    index.pages.map((page) => [docsPath(page.file), page.file === 'README.md' ? new URL('README.md', root) : new URL(`docs/${page.file}`, root)]),
  );
  router.get(/^\/docs\/[A-Za-z0-9-]+\.md$/, (req, res, next) => {
    const file = files.get(req.path);
    if (!file) return next();
    res.type('text/plain; charset=utf-8').send(readFileSync(file, 'utf8'));
  });
  return router;
}
