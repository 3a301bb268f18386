/**
 * Waakvlam's data converter, the same for every Client and Worker: payloads encrypted per municipality by
 * {@link EncryptionCodec} (runtime/encryption.ts), failures' messages and stack traces encoded (and so encrypted) by
 * the failure converter in runtime/failure-converter.cjs.
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption.js';
import type { KeyRing } from './keys.js';

/**
 * The failure converter module, by path: bundled into the workflow code (`bundleWorkflowCode({ failureConverterPath })`)
 * and loaded by the worker and the client. Beside this module in the source and in `dist/` (npm run build copies it).
 */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/** The data converter of a Client or a Worker over `keyRing`. */
export function dataConverter(keyRing: KeyRing): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keyRing)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
