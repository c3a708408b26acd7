/** The declaration with the documents it names turned into links to them. */
export function LinkedText({
  text,
  links,
}: {
  text: string;
  links: { label: string; href: string }[];
}) {
  const parts: (string | { label: string; href: string })[] = [text];
  const missing: { label: string; href: string }[] = [];
  for (const link of links) {
    const index = parts.findIndex((p) => typeof p === 'string' && p.includes(link.label));
    const part = parts[index];
    if (typeof part !== 'string') {
      missing.push(link);
      continue;
    }
    const at = part.indexOf(link.label);
    parts.splice(index, 1, part.slice(0, at), link, part.slice(at + link.label.length));
  }
  return (
    <>
      {parts.map((part) =>
        typeof part === 'string' ? (
          part
        ) : (
          <a key={part.href} href={part.href} target="_blank" rel="noreferrer">
            {part.label}
          </a>
        ),
      )}
      {missing.map((link) => (
        <span key={link.href}>
          {' '}
          <a href={link.href} target="_blank" rel="noreferrer">
            {link.label}
          </a>
        </span>
      ))}
    </>
  );
}
