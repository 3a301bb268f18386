// The type of runtime/failure-converter.cjs (plain CommonJS, loaded by the SDK by path).
import type { FailureConverter } from '@temporalio/common';

export declare const failureConverter: FailureConverter;
