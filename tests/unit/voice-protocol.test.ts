import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkSdp, MAX_SDP_CHARS, parseActivity, parseJoinRequest, parseMediaFlags, parseSettings, parseSignal } from '../../shared/voice/protocol.ts';

/** A real Chromium offer (audio track plus a video transceiver), as the call sends it. */
const OFFER = readFileSync(new URL('../fixtures/voice-offer.sdp', import.meta.url), 'utf8');
const CANDIDATE = {
  candidate: 'candidate:1346948855 1 udp 2122194687 192.0.2.2 33949 typ host generation 0 ufrag l1DX network-id 1',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'l1DX',
};
const TO = 'peer-0123456789';

describe('call signalling validation', () => {
  it('accepts what Chromium sends: an offer, an answer, candidates over UDP, TCP, IPv6 and mDNS, and the end of candidates', () => {
    expect(checkSdp(OFFER)).toBeNull();
    expect(parseSignal({ to: TO, kind: 'description', description: { type: 'offer', sdp: OFFER } })).toEqual({
      ok: true,
      value: { to: TO, kind: 'description', description: { type: 'offer', sdp: OFFER } },
    });
    expect(parseSignal({ to: TO, kind: 'description', description: { type: 'answer', sdp: OFFER } }).ok).toBe(true);
    for (const candidate of [
      CANDIDATE.candidate,
      'candidate:780610671 1 tcp 1518214911 192.0.2.2 9 typ host tcptype active generation 0 ufrag l1DX network-id 1',
      'candidate:1463460423 1 udp 2122265343 fd00::2 43835 typ host generation 0 ufrag l1DX network-id 2',
      'candidate:2 1 udp 2113937151 4f1a2c3e-8d5b-4a8e-9f0c-2b3d4e5f6a7b.local 54321 typ host generation 0 ufrag l1DX',
      'candidate:3 1 udp 1677729535 203.0.113.9 40000 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag l1DX network-cost 999',
    ]) {
      expect(parseSignal({ to: TO, kind: 'candidate', candidate: { ...CANDIDATE, candidate } })).toMatchObject({ ok: true });
    }
    expect(parseSignal({ to: TO, kind: 'candidate', candidate: null })).toEqual({ ok: true, value: { to: TO, kind: 'candidate', candidate: null } });
  });

  it.each([
    ['no object', 'hallo'],
    ['no recipient', { kind: 'candidate', candidate: null }],
    ['a recipient that is no peer id', { to: '../../etc', kind: 'candidate', candidate: null }],
    ['an unknown kind', { to: TO, kind: 'bye' }],
    ['an extra field', { to: TO, kind: 'candidate', candidate: null, from: 'someone-else-1' }],
    ['a rollback', { to: TO, kind: 'description', description: { type: 'rollback', sdp: '' } }],
    ['an SDP that is not a string', { to: TO, kind: 'description', description: { type: 'offer', sdp: 42 } }],
    ['an SDP without v=0', { to: TO, kind: 'description', description: { type: 'offer', sdp: OFFER.slice(5) } }],
    ['an SDP with LF line ends', { to: TO, kind: 'description', description: { type: 'offer', sdp: OFFER.replaceAll('\r\n', '\n') } }],
    ['an SDP with a line that is no SDP line', { to: TO, kind: 'description', description: { type: 'offer', sdp: `${OFFER}<script>alert(1)</script>\r\n` } }],
    ['an SDP with a NUL', { to: TO, kind: 'description', description: { type: 'offer', sdp: OFFER.replace('s=-', 's=\0') } }],
    ['an SDP negotiating a data channel', { to: TO, kind: 'description', description: { type: 'offer', sdp: `${OFFER}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n` } }],
    ['an SDP without media', { to: TO, kind: 'description', description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' } }],
    ['an SDP over the size limit', { to: TO, kind: 'description', description: { type: 'offer', sdp: `${OFFER}${'a=x\r\n'.repeat(MAX_SDP_CHARS / 5)}` } }],
    ['a candidate line that is not one', { to: TO, kind: 'candidate', candidate: { ...CANDIDATE, candidate: 'candidate:1 1 udp 1 <img src=x> 1 typ host' } }],
    ['a candidate of an unknown type', { to: TO, kind: 'candidate', candidate: { ...CANDIDATE, candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ magic' } }],
    ['a candidate without its m-line', { to: TO, kind: 'candidate', candidate: { ...CANDIDATE, sdpMid: null, sdpMLineIndex: null } }],
    ['a candidate with an m-line index out of range', { to: TO, kind: 'candidate', candidate: { ...CANDIDATE, sdpMLineIndex: 9 } }],
    ['a candidate with an extra field', { to: TO, kind: 'candidate', candidate: { ...CANDIDATE, relay: 'evil' } }],
    ['a very long candidate', { to: TO, kind: 'candidate', candidate: { ...CANDIDATE, candidate: `${CANDIDATE.candidate}${' generation 0'.repeat(60)}` } }],
  ])('refuses a signal with %s', (_, input) => {
    expect(parseSignal(input)).toMatchObject({ ok: false, message: expect.any(String) });
  });

  it('checks joins, states, activity and settings exactly', () => {
    expect(parseJoinRequest({ muted: false, camera: false, resume: null })).toEqual({ ok: true, value: { muted: false, camera: false, resume: null } });
    expect(parseJoinRequest({ muted: true, camera: true, resume: 'abcdefgh1234' }).ok).toBe(true);
    expect(parseJoinRequest({ muted: 'no', camera: false, resume: null }).ok).toBe(false);
    expect(parseJoinRequest({ muted: false, camera: false }).ok).toBe(false);
    expect(parseJoinRequest({ muted: false, camera: false, resume: 'x y' }).ok).toBe(false);
    expect(parseJoinRequest({ muted: false, camera: false, resume: null, peerId: 'someone' }).ok).toBe(false);
    expect(parseMediaFlags({ muted: true, camera: false })).toEqual({ ok: true, value: { muted: true, camera: false } });
    expect(parseMediaFlags({ muted: 1, camera: false }).ok).toBe(false);
    expect(parseActivity({ speaking: true })).toEqual({ ok: true, value: { speaking: true } });
    expect(parseActivity({ speaking: 'yes' }).ok).toBe(false);
    expect(parseActivity(null).ok).toBe(false);
    expect(parseSettings({ pauseOnTalk: true })).toEqual({ ok: true, value: { pauseOnTalk: true } });
    expect(parseSettings({ pauseOnTalk: true, extra: 1 }).ok).toBe(false);
  });
});
