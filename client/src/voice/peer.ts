import type { IceCandidate, IceServer, SignalBody } from '../../../shared/voice/protocol.ts';

/**
 * One connection of the mesh: this browser and one other peer, audio both ways and a video slot
 * for the camera. Negotiation follows the "perfect negotiation" pattern of the WebRTC spec: either
 * side may offer (the newcomer does at first; either does for an ICE restart), and when both offer
 * at once the polite side (decided by comparing peer ids, so the two agree) gives way.
 *
 * Muting replaces the sent track with none, so no packets flow at all (a disabled track would
 * still send silence); the camera uses a video transceiver made at the start, so turning it on or
 * off needs no renegotiation.
 */
export interface PeerLinkOptions {
  polite: boolean;
  iceServers: IceServer[];
  /** Sends a signal to this peer through the server (dropped while the server is out of reach; see repair). */
  send(signal: SignalBody): void;
  /** The remote video arrived or stopped. */
  onVideo(stream: MediaStream | null): void;
}

/** RTP audio levels older than this are from a sender that stopped sending (muted, gone). */
const LEVEL_FRESH_MS = 300;

export class PeerLink {
  readonly #pc: RTCPeerConnection;
  readonly #o: PeerLinkOptions;
  readonly #audio = new Audio();
  #audioTransceiver: RTCRtpTransceiver | null = null;
  #videoTransceiver: RTCRtpTransceiver | null = null;
  #micTrack: MediaStreamTrack | null = null;
  #cameraTrack: MediaStreamTrack | null = null;
  #makingOffer = false;
  #ignoreOffer = false;
  /** Signals are handled one after the other: each step of the negotiation awaits the previous one. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: PeerLinkOptions) {
    this.#o = options;
    this.#pc = new RTCPeerConnection({ iceServers: options.iceServers, bundlePolicy: 'max-bundle' });
    this.#audio.autoplay = true;
    this.#pc.ontrack = ({ track, transceiver }) => {
      if (track.kind === 'audio') {
        this.#audio.srcObject = new MediaStream([track]);
        void this.#audio.play().catch(() => undefined);
      } else {
        this.#videoTransceiver ??= transceiver;
        const stream = new MediaStream([track]);
        track.onunmute = () => this.#o.onVideo(stream);
        track.onmute = () => this.#o.onVideo(null);
      }
    };
    this.#pc.onicecandidate = ({ candidate }) => {
      const init = candidate?.toJSON();
      this.#o.send({ kind: 'candidate', candidate: init && init.candidate ? toWire(init) : null });
    };
    this.#pc.onnegotiationneeded = () => void this.#offer();
    // A path that failed (a changed network, a laptop that slept) is found again by an ICE restart.
    this.#pc.oniceconnectionstatechange = () => {
      if (this.#pc.iceConnectionState === 'failed') this.#pc.restartIce();
    };
  }

  /** As the newcomer: offer audio and a camera slot to this peer. */
  start(mic: MediaStreamTrack | null, camera: MediaStreamTrack | null): void {
    this.#micTrack = mic;
    this.#cameraTrack = camera;
    this.#audioTransceiver = this.#pc.addTransceiver(mic ?? 'audio', { direction: 'sendrecv' });
    this.#videoTransceiver = this.#pc.addTransceiver(camera ?? 'video', { direction: 'sendrecv' });
  }

  /** The tracks to send; null sends nothing (muted, camera off). */
  setTracks(mic: MediaStreamTrack | null, camera: MediaStreamTrack | null): void {
    this.#micTrack = mic;
    this.#cameraTrack = camera;
    void this.#audioTransceiver?.sender.replaceTrack(mic).catch(() => undefined);
    void this.#videoTransceiver?.sender.replaceTrack(camera).catch(() => undefined);
  }

  receive(signal: SignalBody): void {
    this.#queue = this.#queue.then(() => this.#handle(signal)).catch(() => undefined);
  }

  /**
   * After signals may have been lost (this browser or the peer was away from the server): an offer
   * nobody will answer is taken back, and a path that is not up is found again with an ICE restart.
   */
  repair(): void {
    this.#queue = this.#queue
      .then(async () => {
        if (this.#closed) return;
        if (this.#pc.signalingState === 'have-local-offer') await this.#pc.setLocalDescription({ type: 'rollback' });
        if (this.#pc.connectionState !== 'connected') this.#pc.restartIce();
      })
      .catch(() => undefined);
  }

  setSpeaker(deviceId: string | null): void {
    void this.#audio.setSinkId?.(deviceId ?? '').catch(() => undefined);
  }

  /** The peer's level from the RTP audio-level header (0–1), 0 when nothing arrived lately. */
  level(): number {
    const receiver = this.#audioTransceiver?.receiver ?? this.#pc.getReceivers().find((r) => r.track.kind === 'audio');
    const now = performance.timeOrigin + performance.now();
    const sources = receiver?.getSynchronizationSources() ?? [];
    return sources.reduce((max, s) => (now - s.timestamp < LEVEL_FRESH_MS ? Math.max(max, s.audioLevel ?? 0) : max), 0);
  }

  close(): void {
    this.#closed = true;
    this.#pc.close();
    this.#audio.srcObject = null;
    this.#o.onVideo(null);
  }

  async #offer(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#makingOffer = true;
      await this.#pc.setLocalDescription();
      this.#sendDescription();
    } finally {
      this.#makingOffer = false;
    }
  }

  async #handle(signal: SignalBody): Promise<void> {
    if (this.#closed) return;
    switch (signal.kind) {
      case 'description': {
        const { description } = signal;
        const collision = description.type === 'offer' && (this.#makingOffer || this.#pc.signalingState !== 'stable');
        this.#ignoreOffer = !this.#o.polite && collision;
        if (this.#ignoreOffer) return;
        await this.#pc.setRemoteDescription(description);
        if (description.type === 'offer') {
          this.#takeTransceivers();
          await this.#pc.setLocalDescription();
          this.#sendDescription();
        }
        return;
      }
      case 'candidate':
        try {
          await this.#pc.addIceCandidate(signal.candidate ?? undefined);
        } catch (err) {
          // Candidates of an offer this side ignored belong to no description here.
          if (!this.#ignoreOffer) throw err;
        }
        return;
      default: {
        const unknown: never = signal;
        throw new TypeError(`unknown signal ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** As the answerer: the offer made the transceivers; send our tracks on them. */
  #takeTransceivers(): void {
    for (const transceiver of this.#pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      if (kind === 'audio' && !this.#audioTransceiver) {
        this.#audioTransceiver = transceiver;
        transceiver.direction = 'sendrecv';
        void transceiver.sender.replaceTrack(this.#micTrack);
      } else if (kind === 'video' && (!this.#videoTransceiver || this.#videoTransceiver === transceiver)) {
        this.#videoTransceiver = transceiver;
        transceiver.direction = 'sendrecv';
        void transceiver.sender.replaceTrack(this.#cameraTrack);
      }
    }
  }

  #sendDescription(): void {
    const local = this.#pc.localDescription;
    if (local && (local.type === 'offer' || local.type === 'answer')) this.#o.send({ kind: 'description', description: { type: local.type, sdp: local.sdp } });
  }
}

function toWire(init: RTCIceCandidateInit): IceCandidate {
  return { candidate: init.candidate ?? '', sdpMid: init.sdpMid ?? null, sdpMLineIndex: init.sdpMLineIndex ?? null, usernameFragment: init.usernameFragment ?? null };
}
