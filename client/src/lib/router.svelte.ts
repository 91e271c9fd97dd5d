/**
 * A few routes do not justify a routing library: the path is state, links call `navigate`, and
 * the browser's back button works through popstate. The URL fragment is left alone because
 * invite tokens live there.
 */
export type Route =
  | { name: 'home' }
  | { name: 'signin' }
  | { name: 'welcome' }
  | { name: 'rooms' }
  | { name: 'createRoom' }
  | { name: 'room'; roomId: string }
  | { name: 'report'; roomId: string }
  | { name: 'join'; roomId: string }
  | { name: 'left' }
  | { name: 'trajects' }
  | { name: 'traject'; trajectId: string }
  | { name: 'notFound' };

const ID = '([A-Za-z0-9_-]{8,64})';
const table: [RegExp, (m: RegExpMatchArray) => Route][] = [
  [/^\/$/, () => ({ name: 'home' })],
  [/^\/inloggen$/, () => ({ name: 'signin' })],
  [/^\/welkom$/, () => ({ name: 'welcome' })],
  [/^\/kamers$/, () => ({ name: 'rooms' })],
  [/^\/kamers\/nieuw$/, () => ({ name: 'createRoom' })],
  [new RegExp(`^/kamer/${ID}$`), (m) => ({ name: 'room', roomId: m[1]! })],
  [new RegExp(`^/kamer/${ID}/verslag$`), (m) => ({ name: 'report', roomId: m[1]! })],
  [new RegExp(`^/join/${ID}$`), (m) => ({ name: 'join', roomId: m[1]! })],
  [/^\/verlaten$/, () => ({ name: 'left' })],
  [/^\/trajecten$/, () => ({ name: 'trajects' })],
  [new RegExp(`^/traject/${ID}$`), (m) => ({ name: 'traject', trajectId: m[1]! })],
];

export function match(path: string): Route {
  for (const [re, make] of table) {
    const m = path.match(re);
    if (m) return make(m);
  }
  return { name: 'notFound' };
}

class Router {
  path = $state(location.pathname);
  route = $derived(match(this.path));

  constructor() {
    addEventListener('popstate', () => (this.path = location.pathname));
  }

  navigate(path: string, opts: { replace?: boolean } = {}): void {
    if (opts.replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    this.path = path;
  }
}

export const router = new Router();
