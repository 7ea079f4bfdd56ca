import { builder } from './builder.js';
import './errors.js';
import './setup-intent.js';
import './viewer.js';

export const schema = builder.toSchema();
