import { INTERACTIONS, type Interaction, interactionDisabled } from '../post-rules';
import type { PostingOptions } from '../types';

/**
 * Allow Comment / Duet / Stitch: unchecked until the creator checks them; greyed out, with
 * the reason, where the creator's own TikTok settings turned one off. `only` narrows the
 * list (photo posts show only Allow Comment).
 */
export function InteractionFields({
  options,
  allowed,
  onChange,
  only,
}: {
  options: PostingOptions;
  allowed: Record<Interaction, boolean>;
  onChange: (next: Record<Interaction, boolean>) => void;
  only?: Interaction[];
}) {
  const { texts } = options;
  return (
    <fieldset class="group">
      <legend>Interactions</legend>
      {INTERACTIONS.filter(({ key }) => !only || only.includes(key)).map(({ key, label }) => {
        const off = interactionDisabled(options, key);
        const reasonId = `${key}-reason`;
        return (
          <div key={key} class={`check${off ? ' check-disabled' : ''}`}>
            <input
              id={`allow-${key}`}
              type="checkbox"
              checked={allowed[key] && !off}
              disabled={off}
              aria-describedby={off ? reasonId : undefined}
              onChange={(event) => onChange({ ...allowed, [key]: event.currentTarget.checked })}
            />
            <label for={`allow-${key}`}>{label}</label>
            {off && (
              <span id={reasonId} class="hint">
                {texts.interactionDisabled}
              </span>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
