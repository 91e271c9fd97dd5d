import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/config.ts';
import { iceServersFor, TURN_CREDENTIAL_SECONDS } from '../../server/src/voice/ice.ts';

describe('ICE_SERVERS', () => {
  it('is empty by default: no STUN or TURN server of a third party', () => {
    expect(loadConfig({}).iceServers).toEqual([]);
    expect(loadConfig({}).turnSecret).toBeNull();
  });

  it('reads a JSON array of STUN and TURN servers', () => {
    const config = loadConfig({
      ICE_SERVERS: JSON.stringify([
        { urls: 'stun:turn.gemeente.nl:3478' },
        { urls: ['turn:turn.gemeente.nl:3478?transport=udp', 'turns:turn.gemeente.nl:5349'], username: 'kijkkamer', credential: 'geheim' },
      ]),
    });
    expect(config.iceServers).toEqual([
      { urls: ['stun:turn.gemeente.nl:3478'] },
      { urls: ['turn:turn.gemeente.nl:3478?transport=udp', 'turns:turn.gemeente.nl:5349'], username: 'kijkkamer', credential: 'geheim' },
    ]);
  });

  it.each([
    ['{"urls":"stun:x"}', /JSON array/],
    ['[{"urls":"stun:x"', /JSON array/],
    ['[{"urls":"https://turn.example.nl"}]', /ICE_SERVERS\[0\]\.urls must be stun:/],
    ['[{"urls":[]}]', /ICE_SERVERS\[0\]\.urls/],
    ['[{"urls":"stun:x","password":"p"}]', /ICE_SERVERS\[0\] must be an object/],
    ['[{"urls":"turn:x","username":"u"}]', /both username and credential/],
    ['[{"urls":"turn:turn.example.nl:3478"}]', /without username and credential: add them, or set ICE_TURN_SECRET/],
  ])('refuses %s with a clear message', (value, message) => {
    expect(() => loadConfig({ ICE_SERVERS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ICE_SERVERS: value })).toThrow(message);
  });

  it('gives TURN servers without credentials short-lived ones from ICE_TURN_SECRET (coturn use-auth-secret)', () => {
    const config = loadConfig({ ICE_SERVERS: '[{"urls":"stun:turn.gemeente.nl"},{"urls":"turn:turn.gemeente.nl:3478"}]', ICE_TURN_SECRET: 'gedeeld-geheim' });
    const now = Date.UTC(2026, 10, 30, 9, 0, 0);
    const [stun, turn] = iceServersFor(config.iceServers, config.turnSecret, 'participant-1', now);
    expect(stun).toEqual({ urls: ['stun:turn.gemeente.nl'] });
    const expiry = now / 1000 + TURN_CREDENTIAL_SECONDS;
    expect(turn!.username).toBe(`${expiry}:participant-1`);
    // What coturn computes to check it: base64(HMAC-SHA1(secret, username)).
    expect(turn!.credential).toBe(createHmac('sha1', 'gedeeld-geheim').update(`${expiry}:participant-1`).digest('base64'));
  });

  it('leaves configured credentials alone', () => {
    const servers = [{ urls: ['turn:t.nl'], username: 'u', credential: 'c' }];
    expect(iceServersFor(servers, 'secret', 'p', 0)).toEqual(servers);
  });
});
