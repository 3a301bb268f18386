/**
 * The trajectory workflow, as one import path: its loop (./trajectory/workflow.ts), its messages
 * (./trajectory/messages.ts), its view (./trajectory/view.ts); deliveries and handlers stay inside the folder.
 */
export { trajectoryWorkflow } from './trajectory/workflow.js';
export * from './trajectory/messages.js';
export { closedStepView, type ClosedStepView, type TrajectoryView } from './trajectory/view.js';
