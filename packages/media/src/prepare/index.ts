export { ffmpegOptions } from './ffmpeg-args';
export { type AudioPlan, type PreparePlan, planPreparation } from './plan-preparation';
export {
  FfmpegUnavailableError,
  type PrepareFailureReason,
  VideoPrepareError,
} from './prepare-error';
export {
  type PrepareOutcome,
  type PrepareVideoOptions,
  planForFile,
  prepareVideo,
} from './prepare-video';
export { lastErrorLine, runFfmpeg } from './run-ffmpeg';
