// The shared donation flow (tests/flow/flow.suite.ts) against the Worker bundle in
// workerd over D1.
import { describeFlow } from '../flow/flow.suite.js';
import { startWorkerdLive, startWorkerdSandbox } from './workerd.js';

describeFlow('workerd', { sandbox: startWorkerdSandbox, live: startWorkerdLive });
