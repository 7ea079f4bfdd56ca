import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import './usage.js';
import './setup-intent.js';
import './customer-session.js';
import './viewer.js';
import './payment-methods.js';

export const schema = builder.toSchema();
