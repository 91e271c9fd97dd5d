import { countKinds, type Shape } from '../../../shared/drawing/shapes.ts';
import { t } from '../lib/i18n/i18n.svelte.ts';

/** "Tekening: 1 pijl, 2 ellipsen" in the UI's language, for screen readers and titles. */
export function describeShapes(shapes: readonly Shape[]): string {
  const parts = countKinds(shapes).map(({ kind, count }) => t(`drawing.count.${kind}`, { n: count }));
  const labels = shapes.flatMap((s) => (s.kind === 'label' ? [`“${s.text}”`] : []));
  return t('drawing.described', { parts: [...parts, ...labels].join(', ') });
}
