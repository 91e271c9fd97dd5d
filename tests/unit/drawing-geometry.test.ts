import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawingBounds, normalizeBox, onPicture, pictureRect, simplify, strokePoints, toPicture, fromPicture } from '../../shared/drawing/geometry.ts';
import { drawingSvg, drawnElements } from '../../shared/drawing/render.ts';
import { COORD_MAX, describeDrawingNl, isShape, MAX_STROKE_POINTS, readShapes, type Shape } from '../../shared/drawing/shapes.ts';

describe('where the picture sits in a player', () => {
  it('letterboxes a wide picture in a tall box and pillarboxes a narrow one, centred', () => {
    expect(pictureRect({ x: 0, y: 0, width: 400, height: 400 }, 1600, 900)).toEqual({ x: 0, y: 87.5, width: 400, height: 225 });
    expect(pictureRect({ x: 10, y: 20, width: 1600, height: 900 }, 480, 640)).toEqual({ x: 472.5, y: 20, width: 675, height: 900 });
    expect(pictureRect({ x: 0, y: 0, width: 320, height: 180 }, 0, 0)).toEqual({ x: 0, y: 0, width: 320, height: 180 });
  });

  it('gives the same picture coordinates for the same spot of the picture in any player size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: COORD_MAX }),
        fc.integer({ min: 0, max: COORD_MAX }),
        fc.record({ w: fc.integer({ min: 100, max: 4000 }), h: fc.integer({ min: 100, max: 3000 }) }),
        fc.record({ w: fc.integer({ min: 100, max: 4000 }), h: fc.integer({ min: 100, max: 3000 }) }),
        (x, y, a, b) => {
          // The same 16:9 recording in two differently shaped players.
          const pa = pictureRect({ x: 0, y: 0, width: a.w, height: a.h }, 1280, 720);
          const pb = pictureRect({ x: 50, y: 30, width: b.w, height: b.h }, 1280, 720);
          const [ax, ay] = fromPicture(x, y, pa.width, pa.height);
          const [bx, by] = fromPicture(x, y, pb.width, pb.height);
          const back = (p: typeof pa, px: number, py: number) => toPicture(p, p.x + px, p.y + py);
          const [x1, y1] = back(pa, ax, ay);
          const [x2, y2] = back(pb, bx, by);
          // Rounding to whole coordinates: never more than one unit (a ten-thousandth) apart.
          expect(Math.abs(x1 - x2)).toBeLessThanOrEqual(1);
          expect(Math.abs(y1 - y2)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('clamps points on the letterbox bars to the picture edge and tells them apart', () => {
    const p = pictureRect({ x: 0, y: 0, width: 400, height: 400 }, 1600, 900);
    expect(toPicture(p, 200, 10)).toEqual([5000, 0]);
    expect(toPicture(p, 500, 390)).toEqual([COORD_MAX, COORD_MAX]);
    expect(onPicture(p, 200, 10)).toBe(false);
    expect(onPicture(p, 200, 200)).toBe(true);
  });
});

describe('freehand lines', () => {
  it('simplifies a straight line to its ends and keeps corners', () => {
    const line = Array.from({ length: 50 }, (_, i) => [i * 100, i * 50]).flat();
    expect(simplify(line, 4)).toEqual([0, 0, 4900, 2450]);
    const corner = [0, 0, 500, 0, 1000, 0, 1000, 500, 1000, 1000];
    expect(simplify(corner, 4)).toEqual([0, 0, 1000, 0, 1000, 1000]);
  });

  it('always stores a valid stroke: clamped, within MAX_STROKE_POINTS, a dot as a tiny line', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -500, max: 10_500 }), { minLength: 2, maxLength: 3000 }), (raw) => {
        const points = strokePoints(raw.length % 2 ? raw.slice(1) : raw);
        if (points.length === 0) return;
        expect(isShape({ id: 's', kind: 'stroke', color: '#000000', points })).toBe(true);
        expect(points.length).toBeLessThanOrEqual(MAX_STROKE_POINTS * 2);
      }),
      { numRuns: 60 },
    );
    expect(strokePoints([10, 10])).toEqual([10, 10, 11, 10]);
    // A long wiggle is simplified harder until it fits.
    const wiggle = Array.from({ length: 5000 }, (_, i) => [i * 2, 5000 + (i % 2 ? 300 : -300)]).flat();
    expect(strokePoints(wiggle).length).toBeLessThanOrEqual(MAX_STROKE_POINTS * 2);
  });

  it('normalises a box dragged in any direction and bounds a drawing', () => {
    expect(normalizeBox(800, 900, 100, 50)).toEqual([100, 50, 800, 900]);
    const shapes: Shape[] = [
      { id: 'a', kind: 'arrow', color: '#000000', points: [100, 200, 3000, 4000] },
      { id: 'b', kind: 'ellipse', color: '#000000', points: [5000, 100, 6000, 900] },
    ];
    expect(drawingBounds(shapes)).toEqual([100, 100, 6000, 4000]);
    expect(drawingBounds([])).toBeNull();
  });
});

describe('how a drawing looks', () => {
  const shapes: Shape[] = [
    { id: 'a', kind: 'arrow', color: '#1d5f8a', points: [0, 0, 10_000, 10_000] },
    { id: 'b', kind: 'ellipse', color: '#8e3b00', points: [2500, 2500, 7500, 7500] },
    { id: 'c', kind: 'rect', color: '#8e3b00', points: [7500, 7500, 2500, 2500] },
    { id: 'd', kind: 'stroke', color: '#2e6b30', points: [0, 0, 5000, 5000, 10_000, 0] },
    { id: 'e', kind: 'label', color: '#7b1fa2', points: [1000, 1000], text: '<script>"hier"</script>' },
  ];

  it('scales with the picture: the same shapes at two sizes differ only by the factor', () => {
    const small = drawnElements(shapes, 320, 180);
    const large = drawnElements(shapes, 1280, 720);
    expect(small[2]).toMatchObject({ kind: 'path', d: 'M80 45 h160 v90 h-160 Z' });
    expect(large[2]).toMatchObject({ kind: 'path', d: 'M320 180 h640 v360 h-640 Z' });
    expect(large[0]!.kind === 'path' && large[0]!.d.startsWith('M0 0 L1280 720 M')).toBe(true);
    expect(large[4]).toMatchObject({ kind: 'text', x: 128, size: 36 });
  });

  it('writes a standalone SVG with the label escaped', () => {
    const svg = drawingSvg(shapes, 640, 360);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="360"/);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&#60;script&#62;&#34;hier&#34;');
    // Every path twice: the halo, then the colour.
    expect(svg.match(/<path /g)).toHaveLength(8);
  });

  it('reads shapes tolerantly and describes them in Dutch for the exports', () => {
    expect(readShapes([shapes[0], { bad: true }, shapes[0], shapes[1]])).toEqual([shapes[0], shapes[1]]);
    expect(describeDrawingNl(shapes)).toBe('tekening: 1 lijn, 1 pijl, 1 ellips, 1 rechthoek, 1 label (“<script>"hier"</script>”)');
    expect(describeDrawingNl([shapes[0]!, { ...shapes[0]!, id: 'z' }])).toBe('tekening: 2 pijlen');
  });
});
