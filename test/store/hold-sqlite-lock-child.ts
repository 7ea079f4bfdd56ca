/**
 * Run by sqlite-lock.test.ts as a process of its own: takes the write lock of the parent's
 * SQLite file (`BEGIN IMMEDIATE`), says `locked`, and commits when the parent writes a line.
 */
import { once } from 'node:events';
import Database from 'better-sqlite3';

const [path] = process.argv.slice(2);
if (!path) throw new Error('usage: hold-sqlite-lock-child.ts PATH');

const db = new Database(path);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\n');
await once(process.stdin, 'data');
db.exec('COMMIT');
db.close();
process.stdout.write('released\n');
