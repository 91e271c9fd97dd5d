/**
 * Rooms with participants, made the way people make them: the host (the administrator) creates
 * a room and an invite, guests join with its token and get their own room cookie.
 */
import { ADMIN } from './common.ts';

export interface BenchRoom {
  id: string;
  /** Cookie headers: the host first, then the guests. */
  cookies: string[];
}

async function post(base: string, path: string, body: unknown, cookie?: string): Promise<{ status: number; body: unknown; cookie: string }> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const set = res.headers.getSetCookie().map((line) => line.split(';')[0]!).join('; ');
  return { status: res.status, body: await res.json().catch(() => null), cookie: set };
}

export async function signIn(base: string): Promise<string> {
  const res = await post(base, '/api/auth/signin', ADMIN);
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  return res.cookie;
}

async function makeRoom(base: string, host: string, n: number, guests: number): Promise<BenchRoom> {
  const room = await post(base, '/api/rooms', { title: `Belastingtest ${n}`, recordedOn: '2026-11-20' }, host);
  if (room.status !== 201) throw new Error(`create room failed: ${room.status} ${JSON.stringify(room.body)}`);
  const id = (room.body as { id: string }).id;
  const cookies = [host];
  if (guests > 0) {
    const invite = await post(base, `/api/rooms/${id}/invites`, { role: 'klantmanager' }, host);
    if (invite.status !== 201) throw new Error(`invite failed: ${invite.status}`);
    const token = (invite.body as { token: string }).token;
    for (let g = 0; g < guests; g++) {
      const joined = await post(base, `/api/rooms/${id}/join`, { token, displayName: `Deelnemer ${g + 1}` });
      if (joined.status !== 201) throw new Error(`join failed: ${joined.status} ${JSON.stringify(joined.body)}`);
      cookies.push(joined.cookie);
    }
  }
  return { id, cookies };
}

/** `count` rooms, each with the host and `guests` guests; a few requests in flight at a time. */
export async function makeRooms(base: string, host: string, count: number, guests: number, from = 0): Promise<BenchRoom[]> {
  const rooms: BenchRoom[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) rooms[i] = await makeRoom(base, host, from + i, guests);
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return rooms;
}
