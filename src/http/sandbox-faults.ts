import express, { Router, type ErrorRequestHandler } from 'express';
import { FAULT_OPERATIONS, faultMisaimed, NAMED_FAULTS, namedFault, type FaultName, type FaultOperation } from '../emulator/named-faults.js';
import type { StripeEmulator } from '../emulator/index.js';
import { sendJsonApi } from '../rest/json-api.js';

export const SANDBOX_FAULTS_PATH = '/_sandbox/faults';
const MAX_TIMES = 100;

/**
 * Sandbox mode only (it needs the built-in emulator, which only sandbox mode starts):
 * `POST /_sandbox/faults {"fault": "card_declined", "times": 1, "operation": "confirm_setup_intent"}`
 * makes the next matching Stripe call(s) fail as Stripe would; `DELETE` clears every fault.
 */
export function sandboxFaultsRouter(emulator: StripeEmulator): Router {
  const router = Router();
  router.post(SANDBOX_FAULTS_PATH, express.json({ limit: '4kb' }), (req, res) => {
    const body: Record<string, unknown> = typeof req.body === 'object' && req.body !== null ? req.body : {};
    const errors: Record<string, string[]> = {};
    const fault = body.fault ?? 'card_declined';
    const known = typeof fault === 'string' && Object.hasOwn(NAMED_FAULTS, fault);
    // Unnamed: the fault's first operation (card_declined: confirming a SetupIntent).
    const operation = body.operation ?? (known ? NAMED_FAULTS[fault as FaultName].operations[0] : 'setup_intents');
    const times = body.times ?? 1;
    if (!known) {
      errors.fault = [`expected one of ${Object.keys(NAMED_FAULTS).join(', ')}`];
    }
    if (typeof operation !== 'string' || !Object.hasOwn(FAULT_OPERATIONS, operation)) {
      errors.operation = [`expected one of ${Object.keys(FAULT_OPERATIONS).join(', ')}`];
    } else if (known && !(NAMED_FAULTS[fault as FaultName].operations as readonly string[]).includes(operation)) {
      errors.operation = [faultMisaimed(fault as FaultName, operation as FaultOperation)];
    }
    if (!Number.isInteger(times) || (times as number) < 1 || (times as number) > MAX_TIMES) {
      errors.times = [`expected a whole number from 1 to ${MAX_TIMES}`];
    }
    if (Object.keys(errors).length > 0) {
      sendJsonApi(res, 422, { error: 'Invalid fault.', errors });
      return;
    }
    emulator.injectFault(namedFault(fault as FaultName, operation as FaultOperation, times as number));
    sendJsonApi(res, 201, { fault, operation, times });
  });
  const malformed: ErrorRequestHandler = (_error, _req, res, _next) => {
    sendJsonApi(res, 400, { error: 'The body is not valid JSON.' });
  };
  router.use(SANDBOX_FAULTS_PATH, malformed);
  router.delete(SANDBOX_FAULTS_PATH, (_req, res) => {
    emulator.clearFaults();
    res.status(204).end();
  });
  return router;
}
