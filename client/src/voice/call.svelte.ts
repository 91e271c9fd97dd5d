import { ActivityDetector } from '../../../shared/voice/activity.ts';
import type { IncomingSignal, Joined, TalkPause, VoicePeer, VoiceSettings } from '../../../shared/voice/protocol.ts';
import type { RoomSocket } from '../lib/socket.ts';
import { VideoDucker } from './ducker.ts';
import { classifyMediaError, listDevices, mediaAvailable, openCamera, openMicrophone, type Devices, type MicProblem } from './media.ts';
import { LevelMeter } from './meter.ts';
import { PeerLink } from './peer.ts';

export type CallPhase = 'idle' | 'checking' | 'joining' | 'joined' | 'reconnecting';
export type CallProblem = MicProblem | 'camera';

/** Levels, voice activity and ducking are updated this often (ms). */
const TICK_MS = 50;

type AckValue<T> = { ok: true; value?: T } | { ok: false; error: { code: string; message: string } };

/**
 * This browser's part in the room's call: the microphone (and camera), one PeerLink per other
 * person (a mesh), who speaks, and the recording's ducking. The server only introduces peers and
 * relays their signals (server/src/voice); audio goes browser to browser.
 *
 * After a dropped connection to the server the call stays: the links keep carrying audio if their
 * own path still works, and on reconnect this browser rejoins with its resume token, keeping its
 * peer id, and restarts ICE on links that broke.
 */
export class VoiceCall {
  phase = $state<CallPhase>('idle');
  /** Everyone in the call, from the server; includes this browser once joined. */
  peers = $state<VoicePeer[]>([]);
  settings = $state<VoiceSettings>({ pauseOnTalk: false });
  me = $state<string | null>(null);
  muted = $state(false);
  /** Push-to-talk held: sending although muted. */
  talking = $state(false);
  camera = $state(false);
  hasMicrophone = $state(false);
  /** This browser's microphone level, 0–1 on a 60 dB scale, for the meter. */
  meter = $state(0);
  /** Who speaks now, by peer id (this browser's own too). */
  speaking = $state<Record<string, boolean>>({});
  /** Camera pictures by peer id; this browser's own preview under its own id. */
  videos = $state<Record<string, MediaStream>>({});
  problem = $state<CallProblem | null>(null);
  joinError = $state<string | null>(null);
  ended = $state<'elsewhere' | null>(null);
  talkPause = $state<TalkPause | null>(null);
  devices = $state<Devices>({ microphones: [], speakers: [], cameras: [] });
  microphoneId = $state<string | null>(null);
  speakerId = $state<string | null>(null);
  cameraId = $state<string | null>(null);

  readonly #socket: RoomSocket;
  readonly #links = new Map<string, PeerLink>();
  readonly #detectors = new Map<string, ActivityDetector>();
  readonly #self = new ActivityDetector();
  readonly #ducker = new VideoDucker();
  #mic: MediaStreamTrack | null = null;
  #cameraTrack: MediaStreamTrack | null = null;
  #context: AudioContext | null = null;
  #level: LevelMeter | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastTick = 0;
  #resume: string | null = null;
  #iceServers: Joined['iceServers'] = [];
  #sentSpeaking = false;
  #pauseSeen = false;

  constructor(socket: RoomSocket) {
    this.#socket = socket;
    socket.on('connect', this.#onConnect);
    socket.on('disconnect', this.#onDisconnect);
    socket.on('session:ended', this.#onSessionEnded);
    socket.on('voice:peers', this.#onPeers);
    socket.on('voice:signal', this.#onSignal);
    socket.on('voice:settings', this.#onSettings);
    socket.on('voice:paused', this.#onPaused);
    socket.on('voice:ended', this.#onEnded);
    window.addEventListener('pagehide', this.#onPageHide);
    if (socket.connected) this.#status();
  }

  get inCall(): boolean {
    return this.phase === 'joined' || this.phase === 'reconnecting';
  }

  /** Whether this browser's microphone reaches the others now. */
  get transmitting(): boolean {
    return this.hasMicrophone && (!this.muted || this.talking);
  }

  /** The ducked video: the room's recording on this browser. */
  setVideo(video: HTMLVideoElement | null): void {
    this.#ducker.attach(video);
  }

  /** The pre-join check: open the microphone and show its level, without joining. */
  async check(): Promise<void> {
    this.ended = null;
    this.joinError = null;
    if (!(await this.#openMicrophone())) return;
    this.phase = 'checking';
  }

  /** Leaves the check without joining. */
  cancel(): void {
    if (this.phase === 'checking') this.#teardown();
  }

  async join({ listenOnly = false }: { listenOnly?: boolean } = {}): Promise<void> {
    if (this.inCall || this.phase === 'joining') return;
    this.ended = null;
    this.joinError = null;
    if (listenOnly) {
      this.problem = null;
      this.#ensureContext();
    } else if (!this.#mic && !(await this.#openMicrophone())) return;
    this.phase = 'joining';
    const ack = await this.#ask<Joined>('voice:join', { muted: !this.transmitting, camera: this.camera, resume: null });
    if (!ack.ok) {
      this.joinError = ack.error.message;
      this.phase = this.#mic ? 'checking' : 'idle';
      return;
    }
    this.#joined(ack.value!);
  }

  leave(): void {
    if (this.inCall && this.#socket.connected) this.#socket.emit('voice:leave');
    this.#teardown();
  }

  toggleMute(): void {
    if (!this.hasMicrophone) return;
    this.muted = !this.muted;
    this.#sendTracks();
  }

  /** Push-to-talk: while held, a muted microphone is sent. */
  setTalking(held: boolean): void {
    if (this.talking === held) return;
    this.talking = held;
    if (this.muted) this.#sendTracks();
  }

  async toggleCamera(): Promise<void> {
    if (this.camera) {
      this.#stopCamera();
    } else {
      try {
        this.#cameraTrack = await openCamera(this.cameraId);
        this.camera = true;
        this.videos = { ...this.videos, ...(this.me ? { [this.me]: new MediaStream([this.#cameraTrack]) } : {}) };
        if (this.problem === 'camera') this.problem = null;
      } catch {
        this.problem = 'camera';
        return;
      }
    }
    this.#sendTracks();
  }

  async chooseMicrophone(id: string | null): Promise<void> {
    this.microphoneId = id;
    if (!this.#mic) return;
    const old = this.#mic;
    if (await this.#openMicrophone()) old.stop();
    this.#sendTracks();
  }

  chooseSpeaker(id: string | null): void {
    this.speakerId = id;
    for (const link of this.#links.values()) link.setSpeaker(id);
  }

  async chooseCamera(id: string | null): Promise<void> {
    this.cameraId = id;
    if (!this.camera) return;
    this.#stopCamera();
    await this.toggleCamera();
  }

  setPauseOnTalk(on: boolean): void {
    this.#socket.emit('voice:settings', { pauseOnTalk: on }, (ack) => {
      if (!ack.ok) this.joinError = ack.error.message;
    });
  }

  dismissTalkPause(): void {
    this.talkPause = null;
  }

  /**
   * The notice "… praat — gepauzeerd" stays until the room plays again. The pause itself arrives
   * separately (a playhead state, scheduled a moment ahead), so playing only counts after it.
   */
  followPlayer(paused: boolean): void {
    if (!this.talkPause) return;
    if (paused) this.#pauseSeen = true;
    else if (this.#pauseSeen) this.talkPause = null;
  }

  destroy(): void {
    this.leave();
    this.#ducker.detach();
    const s = this.#socket;
    s.off('connect', this.#onConnect);
    s.off('disconnect', this.#onDisconnect);
    s.off('session:ended', this.#onSessionEnded);
    s.off('voice:peers', this.#onPeers);
    s.off('voice:signal', this.#onSignal);
    s.off('voice:settings', this.#onSettings);
    s.off('voice:paused', this.#onPaused);
    s.off('voice:ended', this.#onEnded);
    window.removeEventListener('pagehide', this.#onPageHide);
  }

  // ---- server events ----------------------------------------------------------------------------

  readonly #onConnect = () => {
    this.#status();
    if (this.phase === 'reconnecting') void this.#rejoin();
  };

  readonly #onDisconnect = () => {
    if (this.phase === 'joined') this.phase = 'reconnecting';
  };

  readonly #onSessionEnded = () => this.#teardown();

  readonly #onPeers = (peers: VoicePeer[]) => {
    const wasAway = new Set(this.peers.filter((p) => p.away).map((p) => p.peerId));
    this.peers = peers;
    for (const [peerId, link] of this.#links) {
      const peer = peers.find((p) => p.peerId === peerId);
      // Whoever is not in the list any more (left, revoked, grace ran out) is cut off at once.
      if (!peer) this.#unlink(peerId, link);
      // Back from a dropped connection: what was sent to it meanwhile is lost.
      else if (wasAway.has(peerId) && !peer.away) link.repair();
    }
    if (this.phase === 'joined') this.#connectPeers();
  };

  readonly #onSignal = (signal: IncomingSignal) => {
    if (!this.inCall) return;
    let link = this.#links.get(signal.from);
    if (!link) {
      // A newcomer offers; anything else from an unknown peer belongs to a link already closed.
      const offer = signal.kind === 'description' && signal.description.type === 'offer';
      if (!offer || !this.peers.some((p) => p.peerId === signal.from)) return;
      link = this.#link(signal.from);
    }
    const { from: _from, ...body } = signal;
    link.receive(body);
  };

  readonly #onSettings = (settings: VoiceSettings) => (this.settings = settings);
  readonly #onPaused = (by: TalkPause) => {
    this.talkPause = by;
    this.#pauseSeen = false;
  };

  readonly #onEnded = () => {
    this.#teardown();
    this.ended = 'elsewhere';
  };

  readonly #onPageHide = () => {
    if (this.inCall && this.#socket.connected) this.#socket.emit('voice:leave');
  };

  // ---- internals --------------------------------------------------------------------------------

  #status(): void {
    this.#socket.emit('voice:status', (ack) => {
      if (!ack.ok || !ack.value) return;
      this.peers = ack.value.peers;
      this.settings = ack.value.settings;
    });
  }

  #ask<T>(event: 'voice:join', payload: { muted: boolean; camera: boolean; resume: string | null }): Promise<AckValue<T>> {
    return new Promise((resolve) => this.#socket.emit(event, payload, (ack) => resolve(ack as AckValue<T>)));
  }

  async #rejoin(): Promise<void> {
    const ack = await this.#ask<Joined>('voice:join', { muted: !this.transmitting, camera: this.camera, resume: this.#resume });
    if (this.phase !== 'reconnecting') return;
    if (!ack.ok) {
      this.joinError = ack.error.message;
      this.#teardown();
      return;
    }
    const joined = ack.value!;
    if (joined.peerId !== this.me) {
      // Away too long: the others forgot this peer; start over under the new id.
      for (const [peerId, link] of this.#links) this.#unlink(peerId, link);
    }
    this.#joined(joined);
    for (const link of this.#links.values()) link.repair();
  }

  #joined(joined: Joined): void {
    this.me = joined.peerId;
    this.#resume = joined.resume;
    this.#iceServers = joined.iceServers;
    this.settings = joined.settings;
    this.phase = 'joined';
    if (this.#cameraTrack) this.videos = { ...this.videos, [joined.peerId]: new MediaStream([this.#cameraTrack]) };
    this.#onPeers(joined.peers);
    this.#startLoop();
  }

  /**
   * Links to everyone present that this browser has none to. Of each pair, the peer with the lower
   * id offers and the other answers; both see the same list, so they agree without talking.
   * Peers that are away get a link when they are back.
   */
  #connectPeers(): void {
    const me = this.me;
    if (!me) return;
    for (const peer of this.peers) {
      if (peer.peerId !== me && !peer.away && !this.#links.has(peer.peerId) && me < peer.peerId) {
        this.#link(peer.peerId).start(this.#sentMic(), this.#sentCamera());
      }
    }
  }

  #link(peerId: string): PeerLink {
    const link = new PeerLink({
      // Both ends compare the same two ids, so exactly one of them is polite.
      polite: (this.me ?? '') > peerId,
      iceServers: this.#iceServers,
      send: (signal) => {
        if (this.#socket.connected) this.#socket.emit('voice:signal', { ...signal, to: peerId }, () => undefined);
      },
      onVideo: (stream) => {
        const { [peerId]: _old, ...rest } = this.videos;
        this.videos = stream ? { ...rest, [peerId]: stream } : rest;
      },
    });
    link.setTracks(this.#sentMic(), this.#sentCamera());
    link.setSpeaker(this.speakerId);
    this.#links.set(peerId, link);
    this.#detectors.set(peerId, new ActivityDetector());
    return link;
  }

  #unlink(peerId: string, link: PeerLink): void {
    link.close();
    this.#links.delete(peerId);
    this.#detectors.delete(peerId);
    const { [peerId]: _gone, ...speaking } = this.speaking;
    this.speaking = speaking;
  }

  #sentMic(): MediaStreamTrack | null {
    return this.transmitting ? this.#mic : null;
  }

  #sentCamera(): MediaStreamTrack | null {
    return this.camera ? this.#cameraTrack : null;
  }

  #sendTracks(): void {
    for (const link of this.#links.values()) link.setTracks(this.#sentMic(), this.#sentCamera());
    if (this.inCall && this.#socket.connected) this.#socket.emit('voice:state', { muted: !this.transmitting, camera: this.camera });
  }

  #ensureContext(): AudioContext {
    // Made on the person's click, so the browser lets it run.
    this.#context ??= new AudioContext();
    void this.#context.resume();
    return this.#context;
  }

  async #openMicrophone(): Promise<boolean> {
    if (!mediaAvailable()) {
      this.problem = 'insecure';
      return false;
    }
    const context = this.#ensureContext();
    try {
      const track = await openMicrophone(this.microphoneId);
      this.#level?.disconnect();
      this.#mic = track;
      this.#level = new LevelMeter(context, track);
      this.hasMicrophone = true;
      this.problem = null;
      this.devices = await listDevices();
      this.#startLoop();
      return true;
    } catch (err) {
      this.problem = classifyMediaError(err);
      return false;
    }
  }

  #stopCamera(): void {
    this.#cameraTrack?.stop();
    this.#cameraTrack = null;
    this.camera = false;
    if (this.me) {
      const { [this.me]: _mine, ...rest } = this.videos;
      this.videos = rest;
    }
  }

  #startLoop(): void {
    if (this.#timer !== null) return;
    this.#lastTick = performance.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  #tick(): void {
    const now = performance.now();
    const dt = now - this.#lastTick;
    this.#lastTick = now;
    const changed: Record<string, boolean> = {};
    let anyone = false;
    if (this.#level) {
      const level = this.#level.read();
      this.meter = Math.min(1, Math.max(0, (20 * Math.log10(level || 1e-6) + 60) / 60));
      const self = this.transmitting ? this.#self.update(level, now) : (this.#self.reset(), false);
      if (this.me) changed[this.me] = self;
      anyone ||= self;
      if (this.inCall && this.#socket.connected && self !== this.#sentSpeaking) {
        this.#sentSpeaking = self;
        this.#socket.emit('voice:activity', { speaking: self });
      }
    }
    for (const [peerId, link] of this.#links) {
      const speaking = this.#detectors.get(peerId)!.update(link.level(), now);
      changed[peerId] = speaking;
      anyone ||= speaking;
    }
    if (Object.entries(changed).some(([id, s]) => this.speaking[id] !== s)) this.speaking = { ...this.speaking, ...changed };
    this.#ducker.update(anyone, dt);
  }

  #teardown(): void {
    for (const [peerId, link] of this.#links) this.#unlink(peerId, link);
    this.#level?.disconnect();
    this.#level = null;
    this.#mic?.stop();
    this.#mic = null;
    this.#stopCamera();
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#self.reset();
    this.#sentSpeaking = false;
    // The recording comes back to full volume at once: nobody is talking through the call any more.
    this.#ducker.update(false, Infinity);
    void this.#context?.close();
    this.#context = null;
    this.hasMicrophone = false;
    this.talking = false;
    this.meter = 0;
    this.me = null;
    this.#resume = null;
    this.speaking = {};
    this.videos = {};
    this.phase = 'idle';
  }
}
