import { getContext, setContext, untrack } from 'svelte';
import { addShape, newShapeId } from '../../../shared/drawing/doc.ts';
import { normalizeBox, strokePoints } from '../../../shared/drawing/geometry.ts';
import { PointerThrottle, PointerTrack, type PointerEvent as RemotePointerEvent } from '../../../shared/drawing/pointer.ts';
import { MAX_SHAPES, type Shape } from '../../../shared/drawing/shapes.ts';
import { drawingsAt, observationOnFrame } from '../../../shared/drawing/timing.ts';
import type { Observation } from '../../../shared/notes/types.ts';
import type { MessageKey } from '../lib/i18n/i18n.svelte.ts';
import { mediaFor } from '../media/media.svelte.ts';
import type { NotesState } from '../notes/notes.svelte.ts';
import { presenceColor } from '../notes/view.ts';
import type { RoomState } from '../rooms/room.svelte.ts';
import type { Tool } from './keys.ts';
import { FrameGrabber } from './thumbnails.svelte.ts';

/** Someone else's pointer as this browser draws it now. */
export interface ShownPointer {
  participantId: string;
  name: string;
  color: string;
  x: number;
  y: number;
  opacity: number;
}

/** A drag shorter than this (picture coordinates, a per cent of the picture) is a slip, not a shape. */
const MIN_SIZE = 100;

/**
 * Pointing and drawing on the room's video, one per open room: the tool in hand, the shape being
 * drawn, the others' live pointers (socket.io `pointer:update`, docs/protocol.md) and the drawings
 * that show at the current frame. Shapes go into the observations' Yjs document through the
 * notes' undo manager, so Ctrl+Z takes back the last shape like any other own change.
 */
export class DrawingState {
  tool = $state<Tool | null>(null);
  /** The shape being dragged, drawn locally only until it is let go. */
  draft = $state.raw<Shape | null>(null);
  /** Where a text label is being typed (picture coordinates). */
  labelAt = $state.raw<[number, number] | null>(null);
  /** The keyboard's cursor on the picture, and the first corner it fixed (Enter). */
  cursor = $state.raw<[number, number]>([5000, 5000]);
  anchor = $state.raw<[number, number] | null>(null);
  pointers = $state.raw<ShownPointer[]>([]);
  /** Why the last attempt did nothing, for the status line. */
  notice = $state<MessageKey | null>(null);

  readonly color: string;
  readonly canPoint: boolean;
  readonly thumbnails = new FrameGrabber();
  private readonly room: RoomState;
  private readonly notes: NotesState;
  private readonly tracks = new Map<string, { name: string; color: string; track: PointerTrack; hidden: boolean }>();
  private readonly throttle: PointerThrottle;
  private stroke: number[] = [];
  private frame = 0;
  private pointing = false;
  private readonly cleanup: (() => void)[] = [];

  constructor(room: RoomState, notes: NotesState) {
    this.room = room;
    this.notes = notes;
    this.color = presenceColor(notes.me.participantId).color;
    this.canPoint = notes.canEdit;
    this.throttle = new PointerThrottle({
      // Volatile: positions sent while the connection is down are dropped, never replayed late.
      send: (x, y) => room.socket?.volatile.emit('pointer:update', { kind: 'move', x, y }),
      now: () => performance.now(),
      schedule: (fn, ms) => setTimeout(fn, ms),
      cancel: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
    });
    const socket = room.socket;
    if (socket) {
      const onPointer = (event: RemotePointerEvent) => this.receive(event);
      socket.on('pointer:update', onPointer);
      this.cleanup.push(() => socket.off('pointer:update', onPointer));
    }
    this.cleanup.push(
      $effect.root(() => {
        $effect(() => {
          // Playing again: a half-drawn shape belongs to a frame that is gone.
          if (!this.room.player.paused) untrack(() => this.cancelDraft());
        });
      }),
    );
  }

  get frameRate(): number | null {
    return mediaFor(this.room).info?.video?.frameRate ?? null;
  }

  /** The source this browser plays the recording from (the server's, or a local copy), if it may. */
  get videoSrc(): string | null {
    const media = mediaFor(this.room);
    const info = media.info;
    if (!info || info.access !== 'allowed' || !info.video) return null;
    return info.video.mode === 'upload' ? info.video.src : (media.local?.url ?? null);
  }

  /** Drawing needs the annotate permission and a still frame. */
  get canDraw(): boolean {
    return this.notes.canEdit && this.room.player.paused;
  }

  /** The observations whose drawing shows over the video now. */
  get visible(): Observation[] {
    return drawingsAt(this.notes.observations, this.room.player.position, this.room.player.paused, this.frameRate);
  }

  /** The observation a new shape goes to: the selected one if it is on this frame, else any on it. */
  get target(): Observation | null {
    return observationOnFrame(this.notes.observations, this.room.player.position, this.frameRate, this.notes.selectedId);
  }

  select(tool: Tool | null): void {
    this.cancelDraft();
    if (this.tool === 'pointer' && tool !== 'pointer') this.stopPointing();
    this.notice = null;
    if (tool !== null && tool !== 'pointer' && !this.notes.canEdit) return;
    if (tool === 'pointer' && !this.canPoint) return;
    this.tool = tool;
  }

  // --- the live pointer ---------------------------------------------------------------------------

  pointAt(x: number, y: number): void {
    if (!this.canPoint) return;
    this.pointing = true;
    this.throttle.offer(x, y);
  }

  stopPointing(): void {
    this.throttle.stop();
    if (!this.pointing) return;
    this.pointing = false;
    this.room.socket?.emit('pointer:update', { kind: 'hide' });
  }

  private receive(event: RemotePointerEvent): void {
    if (event.participantId === this.notes.me.participantId) return;
    if (event.kind === 'hide') {
      const known = this.tracks.get(event.participantId);
      if (known) known.hidden = true;
    } else {
      let known = this.tracks.get(event.participantId);
      if (!known) {
        known = { name: event.name, color: presenceColor(event.participantId).color, track: new PointerTrack(), hidden: false };
        this.tracks.set(event.participantId, known);
      }
      known.hidden = false;
      known.name = event.name;
      known.track.push(performance.now(), event.x, event.y);
    }
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.animate());
  }

  /** One animation frame: every pointer where its interpolation puts it; stops when none is left. */
  private animate(): void {
    this.frame = 0;
    const now = performance.now();
    const shown: ShownPointer[] = [];
    for (const [participantId, p] of this.tracks) {
      const at = p.track.at(now);
      const opacity = p.track.opacity(now);
      if (p.hidden || !at || opacity <= 0) {
        this.tracks.delete(participantId);
        continue;
      }
      shown.push({ participantId, name: p.name, color: p.color, x: at.x, y: at.y, opacity });
    }
    this.pointers = shown;
    if (this.tracks.size > 0) this.frame = requestAnimationFrame(() => this.animate());
  }

  // --- drawing --------------------------------------------------------------------------------------

  /** A drag starts at a picture point (pointer down, or Enter on the keyboard's cursor). */
  begin(x: number, y: number): void {
    const tool = this.tool;
    if (tool === null || tool === 'pointer') return;
    if (!this.canDraw) {
      this.notice = 'drawing.pauseFirst';
      return;
    }
    this.notice = null;
    if (tool === 'label') {
      this.labelAt = [x, y];
      return;
    }
    this.stroke = [x, y];
    this.draft = this.shapeFor(tool, [x, y, x, y]);
  }

  move(x: number, y: number): void {
    const draft = this.draft;
    if (!draft) return;
    if (draft.kind === 'stroke') {
      this.stroke.push(x, y);
      this.draft = { ...draft, points: [...this.stroke] };
    } else if (draft.kind !== 'label') {
      this.draft = { ...draft, points: [draft.points[0], draft.points[1], x, y] };
    }
  }

  /** The drag ends: the shape is stored, unless it was too small to mean anything. */
  end(): void {
    const draft = this.draft;
    this.draft = null;
    if (!draft || draft.kind === 'label') return;
    let shape: Shape | null = draft;
    if (draft.kind === 'stroke') {
      const points = strokePoints(this.stroke);
      shape = points.length >= 4 ? { ...draft, points } : null;
    } else {
      const [x0, y0, x1, y1] = draft.points;
      if (Math.hypot(x1 - x0, y1 - y0) < MIN_SIZE) shape = null;
      else if (draft.kind !== 'arrow') shape = { ...draft, points: normalizeBox(x0, y0, x1, y1) };
    }
    this.stroke = [];
    if (shape) this.commit(shape);
  }

  /** The keyboard's Enter on the picture: the first press fixes a corner, the second draws to the cursor. */
  enter(): void {
    const [x, y] = this.cursor;
    if (this.tool === 'pointer') {
      this.pointAt(x, y);
      return;
    }
    if (this.tool === 'label' || this.anchor === null) {
      this.begin(x, y);
      if (this.draft) this.anchor = [x, y];
      return;
    }
    this.move(x, y);
    this.anchor = null;
    this.end();
  }

  commitLabel(text: string): void {
    const at = this.labelAt;
    this.labelAt = null;
    const trimmed = text.trim();
    if (!at || trimmed === '') return;
    this.commit({ id: newShapeId(), kind: 'label', color: this.color, points: at, text: trimmed });
  }

  cancelDraft(): void {
    this.draft = null;
    this.labelAt = null;
    this.anchor = null;
    this.stroke = [];
  }

  /**
   * Stores a shape on the observation at this frame; without one, a new observation is made here
   * and its editor opened: a drawing without words is not an observation, so it asks for them.
   */
  private commit(shape: Shape): void {
    if (!this.canDraw) return;
    let id = this.target?.id ?? null;
    if (id === null) id = this.notes.create();
    if (id === null) return;
    const existing = this.notes.get(id)?.drawing?.length ?? 0;
    if (existing >= MAX_SHAPES) {
      this.notice = 'drawing.full';
      return;
    }
    const { undoManager } = this.notes;
    // One undo step per shape, as for every other change in the notes.
    undoManager.stopCapturing();
    addShape(this.notes.doc, id, shape, this.notes);
    undoManager.stopCapturing();
    this.notes.selectedId = id;
  }

  private shapeFor(kind: Exclude<Tool, 'pointer' | 'label'>, points: [number, number, number, number]): Shape {
    const base = { id: newShapeId(), color: this.color };
    return kind === 'stroke' ? { ...base, kind, points: [points[0], points[1]] } : { ...base, kind, points };
  }

  destroy(): void {
    this.stopPointing();
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.thumbnails.destroy();
    for (const fn of this.cleanup.splice(0)) fn();
  }
}

const KEY = Symbol('drawing');
/** Set while the room page builds; `get` reads the state the page creates once the notes are open. */
export const setDrawing = (get: () => DrawingState | null): void => void setContext(KEY, get);
/** The room's drawing state, once the notes are open (null before, and outside a room). */
export const getDrawing = (): DrawingState | null => getContext<(() => DrawingState | null) | undefined>(KEY)?.() ?? null;
