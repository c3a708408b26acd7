import { useEffect, useState } from 'preact/hooks';
import { formatBytes, formatSeconds } from '../format';
import type { VideoFacts } from '../post-rules';

/**
 * A file input with a preview. The browser reads the duration from the file itself (a
 * `<video>` on an object URL), so nothing is sent before the checks have passed.
 */
export function VideoPicker(props: {
  accept: string[];
  disabled: boolean;
  problem: string | null;
  onChange: (file: File | null, facts: VideoFacts | null) => void;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [facts, setFacts] = useState<VideoFacts | null>(null);

  useEffect(() => {
    if (!file) return;
    const objectUrl = URL.createObjectURL(file);
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [file]);

  const report = (next: VideoFacts | null) => {
    setFacts(next);
    props.onChange(file, next);
  };

  return (
    <div class="field">
      <label for="video">Video</label>
      <input
        id="video"
        type="file"
        accept={props.accept.join(',')}
        disabled={props.disabled}
        aria-describedby="video-facts"
        onChange={(event) => {
          const chosen = (event.currentTarget as HTMLInputElement).files?.[0] ?? null;
          setFile(chosen);
          const first = chosen
            ? { type: chosen.type, size: chosen.size, durationSec: null, unreadable: false }
            : null;
          setFacts(first);
          props.onChange(chosen, first);
          if (!chosen) setUrl(null);
        }}
      />
      <div id="video-facts" aria-live="polite">
        {file && facts && (
          <p class="muted">
            {file.name}, {formatBytes(facts.size)}
            {facts.durationSec !== null && `, ${formatSeconds(facts.durationSec)}`}
          </p>
        )}
        {props.problem && (
          <p class="field-error" data-testid="video-problem">
            {props.problem}
          </p>
        )}
      </div>
      {file && url && (
        <video
          class="preview"
          src={url}
          controls
          muted
          playsInline
          preload="metadata"
          aria-label="Preview of the chosen video"
          onLoadedMetadata={(event) => {
            const duration = (event.currentTarget as HTMLVideoElement).duration;
            report({
              type: file.type,
              size: file.size,
              durationSec: Number.isFinite(duration) ? duration : null,
              unreadable: !Number.isFinite(duration),
            });
          }}
          onError={() =>
            report({ type: file.type, size: file.size, durationSec: null, unreadable: true })
          }
        />
      )}
    </div>
  );
}
