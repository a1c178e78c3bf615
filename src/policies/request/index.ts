export { DEFAULT_REQQ, PeerPipeline, type PipelineOptions } from './peer-pipeline.js';
export { type PeerView, RequestScheduler, type SchedulerOptions, type TickResult } from './request-scheduler.js';
