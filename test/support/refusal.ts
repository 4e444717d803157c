import { GatewayError } from '../../src/errors/index.js';

/** The code and public description of the GatewayError `run` throws; fails if it throws none. */
export function refusal(run: () => unknown): { code: string; description: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return { code: error.code, description: error.description };
    throw error;
  }
  throw new Error('expected a refusal');
}
