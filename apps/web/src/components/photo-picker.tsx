import { useEffect, useState } from 'preact/hooks';
import { formatBytes } from '../format';
import { type PhotoFacts, photoVerdict } from '../photo-rules';
import type { PostingOptions } from '../types';

/**
 * Several images at once, previewed in order, with the cover chosen among them. The browser
 * decodes each image to learn its size in pixels, so the checks run before any upload.
 */
export function PhotoPicker(props: {
  options: PostingOptions;
  disabled: boolean;
  coverIndex: number;
  onCover: (index: number) => void;
  onChange: (files: File[], facts: PhotoFacts[]) => void;
}) {
  const [files, setFiles] = useState<File[]>([]);
  const [facts, setFacts] = useState<PhotoFacts[]>([]);
  const [urls, setUrls] = useState<string[]>([]);
  const rules = props.options.photoRules;

  useEffect(() => {
    const made = files.map((file) => URL.createObjectURL(file));
    setUrls(made);
    return () => {
      for (const url of made) URL.revokeObjectURL(url);
    };
  }, [files]);

  const measured = (index: number, width: number | null, height: number | null) => {
    setFacts((current) => {
      const next = current.map((f, i) => (i === index ? { ...f, width, height } : f));
      props.onChange(files, next);
      return next;
    });
  };

  return (
    <div class="field">
      <label for="photos">Photos</label>
      <input
        id="photos"
        type="file"
        multiple
        accept={[...rules.formats, ...rules.preparable].join(',')}
        disabled={props.disabled}
        aria-describedby="photos-hint"
        onChange={(event) => {
          const chosen = [...((event.currentTarget as HTMLInputElement).files ?? [])];
          const first = chosen.map((file) => ({
            name: file.name,
            type: file.type,
            size: file.size,
            width: null,
            height: null,
          }));
          setFiles(chosen);
          setFacts(first);
          props.onChange(chosen, first);
          props.onCover(0);
        }}
      />
      <p id="photos-hint" class="hint">
        1 to {rules.maxCount} photos; JPEG or WebP, up to {rules.maxLongerSidePx} px on the longer
        side and {formatBytes(rules.maxBytes)} each.
      </p>
      {files.length > 0 && (
        <ol class="photo-grid" data-testid="photo-list">
          {files.map((file, index) => {
            const fact = facts[index];
            const verdict = fact ? photoVerdict(props.options, fact) : { kind: 'ok' as const };
            return (
              <li key={`${file.name}-${index}`} class="photo-item">
                {urls[index] && (
                  <img
                    src={urls[index]}
                    alt={`${index + 1}. ${file.name}`}
                    onLoad={(event) => {
                      const img = event.currentTarget as HTMLImageElement;
                      measured(index, img.naturalWidth, img.naturalHeight);
                    }}
                    onError={() => measured(index, null, null)}
                  />
                )}
                <div class="check">
                  <input
                    id={`cover-${index}`}
                    type="radio"
                    name="cover"
                    checked={props.coverIndex === index}
                    disabled={props.disabled}
                    onChange={() => props.onCover(index)}
                  />
                  <label for={`cover-${index}`}>Cover</label>
                </div>
                <p class={verdict.kind === 'bad' ? 'field-error' : 'muted'}>
                  {index + 1}. {formatBytes(file.size)}
                  {fact?.width ? `, ${fact.width}x${fact.height}` : ''}
                  {verdict.kind !== 'ok' && ` (${verdict.why})`}
                </p>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
