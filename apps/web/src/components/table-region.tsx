import type { ComponentChildren } from 'preact';

/**
 * A table that may scroll sideways on a phone. A region that scrolls must be reachable by
 * keyboard (axe: scrollable-region-focusable), hence the tab stop and the name.
 */
export function TableRegion({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region needs a tab stop to be scrolled by keyboard
    <section class="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
