/**
 * The failure converter of Waakvlam's data converter (runtime/data-converter.ts): the SDK's default, with
 * `encodeCommonAttributes`, so a failure's message and stack trace travel in its encoded attributes, which the
 * payload codec (runtime/encryption.ts) encrypts like any payload; the history shows "Encoded failure" instead.
 *
 * A failure converted without a serialization context cannot be encrypted (the codec would not know the
 * municipality). In SDK 1.24 the one such call is the worker's own: a workflow activation it failed to process (a
 * payload it could not decode, say) is reported as a failed workflow task with no context. Its message and stack are
 * then withheld: the failure says which kind of error it was (and, for the codec's own EncryptionError, its message,
 * which names key and workflow ids only), and the worker's log has the rest. Throwing instead would stop the worker.
 *
 * A module of its own because the SDK loads it by path: bundled into the workflow code (bundleWorkflowCode's
 * `failureConverterPath`; in the workflow every failure has the workflow's context) and `require()`d by the worker
 * and the client (`dataConverter.failureConverterPath`). CommonJS because Node 20 cannot `require()` an ES module.
 */
'use strict';
const { DefaultFailureConverter } = require('@temporalio/common');

class WaakvlamFailureConverter extends DefaultFailureConverter {
  constructor() {
    super({ encodeCommonAttributes: true });
  }

  errorToFailure(err, payloadConverter, context) {
    if (context) return super.errorToFailure(err, payloadConverter, context);
    const name = err instanceof Error ? err.name : 'Error';
    const said = err instanceof Error && name === 'EncryptionError' ? `: ${err.message}` : '';
    return {
      message: `${name}${said} (details withheld: a failure without a workflow context is not written unencrypted; see the worker's log)`,
      source: 'TypeScriptSDK',
      applicationFailureInfo: { type: name, nonRetryable: false },
    };
  }
}

exports.failureConverter = new WaakvlamFailureConverter();
