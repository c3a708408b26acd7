import { brandedContentDisabled, type Disclosure } from '../post-rules';
import type { PostingOptions, PrivacyLevel } from '../types';

/**
 * TikTok's commercial content disclosure: a toggle, off until the creator turns it on; then
 * "Your brand" and "Branded content", at least one of them, and branded content never with
 * "Only me" (disabled, with TikTok's text, while that privacy is chosen).
 */
export function DisclosureFields({
  options,
  privacy,
  disclosure,
  onChange,
}: {
  options: PostingOptions;
  privacy: PrivacyLevel | '';
  disclosure: Disclosure;
  onChange: (next: Disclosure) => void;
}) {
  const { texts } = options;
  return (
    <fieldset class="group">
      <legend>Content disclosure</legend>
      <div class="check">
        <input
          id="commercial"
          type="checkbox"
          role="switch"
          checked={disclosure.on}
          aria-checked={disclosure.on}
          aria-describedby="commercial-prompt"
          onChange={(event) =>
            onChange({
              on: event.currentTarget.checked,
              yourBrand: false,
              brandedContent: false,
            })
          }
        />
        <label for="commercial">{texts.commercialToggle}</label>
      </div>
      <p id="commercial-prompt" class="hint">
        {texts.commercialPrompt}
      </p>
      {disclosure.on && (
        <div class="disclosure">
          <div class="check">
            <input
              id="your-brand"
              type="checkbox"
              checked={disclosure.yourBrand}
              aria-describedby="your-brand-description"
              onChange={(event) =>
                onChange({ ...disclosure, yourBrand: event.currentTarget.checked })
              }
            />
            <label for="your-brand">{texts.yourBrand.label}</label>
          </div>
          <p id="your-brand-description" class="hint indent">
            {texts.yourBrand.description}
          </p>
          <div
            class={`check${brandedContentDisabled(privacy) ? ' check-disabled' : ''}`}
            title={brandedContentDisabled(privacy) ? texts.brandedNotPrivate : undefined}
          >
            <input
              id="branded-content"
              type="checkbox"
              checked={disclosure.brandedContent}
              disabled={brandedContentDisabled(privacy)}
              aria-describedby="branded-content-description"
              onChange={(event) =>
                onChange({ ...disclosure, brandedContent: event.currentTarget.checked })
              }
            />
            <label for="branded-content">{texts.brandedContent.label}</label>
          </div>
          <p id="branded-content-description" class="hint indent">
            {brandedContentDisabled(privacy)
              ? texts.brandedNotPrivate
              : texts.brandedContent.description}
          </p>
          {!disclosure.yourBrand && !disclosure.brandedContent && (
            <p class="field-error" data-testid="disclosure-incomplete">
              {texts.incompleteDisclosure}
            </p>
          )}
          <LabelNotice options={options} disclosure={disclosure} />
        </div>
      )}
    </fieldset>
  );
}

/** How TikTok will label the video: paid partnership with branded content (or both). */
function LabelNotice({ options, disclosure }: { options: PostingOptions; disclosure: Disclosure }) {
  const { texts } = options;
  const text = disclosure.brandedContent
    ? texts.paidPartnershipLabel
    : disclosure.yourBrand
      ? texts.promotionalLabel
      : undefined;
  return text ? <p class="hint">{text}</p> : null;
}
