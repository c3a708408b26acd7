export { imageProblem } from './check-image';
export { checkVideoFile } from './check-video-file';
export type { Container } from './container';
export { contentTypeFor, type VideoContentType } from './content-type';
export {
  VideoError,
  type VideoErrorCode,
  type VideoErrorDetails,
  type VideoErrorJson,
  VideoProbeError,
  VideoValidationError,
} from './errors';
export { PhotoError, type PhotoErrorCode } from './image-errors';
export { TIKTOK_PHOTO_LIMITS } from './image-limits';
export { TIKTOK_VIDEO_LIMITS } from './limits';
export {
  type AudioPlan,
  FfmpegUnavailableError,
  ffmpegOptions,
  type PrepareFailureReason,
  type PrepareOutcome,
  type PreparePlan,
  type PrepareVideoOptions,
  planForFile,
  prepareVideo,
  runFfmpeg,
  VideoPrepareError,
} from './prepare/index';
export { type PrepareImageOptions, prepareImage } from './prepare-image';
export { type ImageProbe, probeImage } from './probe-image';
export {
  type AudioStreamInfo,
  DEFAULT_PROBE_TIMEOUT_MS,
  type ProbeVideoOptions,
  probeVideo,
  type VideoProbe,
  type VideoStreamInfo,
} from './probe-video';
export { mediaLinkSecret, signMediaLink, verifyMediaLink } from './public-link';
export { assertValidVideo, type ValidateVideoOptions, validateVideo } from './validate-video';
