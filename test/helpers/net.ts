/** The benchmark's helper, shared so a free-port probe is written once. */
export { freePort } from '../../bench/harness';
