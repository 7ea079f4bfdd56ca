import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import './setup-intent.js';
import './viewer.js';
import './payment-methods.js';

export const schema = builder.toSchema();
