/**
 * A small Server-Sent Events reader for the tests, parsing the stream as the HTML standard's
 * "event stream interpretation" does (`id:`, `event:`, `data:` lines, blank line ends an event,
 * comment lines ignored), over Node's fetch, so headers (`Authorization`, `Last-Event-ID`) can be set.
 */

/** One event of the stream. */
export interface SseEvent {
  id?: string;
  event: string;
  /** The `data:` lines joined, parsed as JSON when not empty. */
  data: unknown;
}

/** An open event stream. */
export interface SseStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Resolves once at least `count` events arrived (rejects after `timeoutMs`, or when the stream ended before). */
  waitFor(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  /** Drops the connection (as a network failure would). */
  close(): void;
}

/** Opens `url` with `init` (Accept: text/event-stream added) and reads its events in the background. */
export async function openSse(url: string, init: RequestInit = {}): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, {
    ...init,
    headers: { accept: 'text/event-stream', ...(init.headers as Record<string, string>) },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const waiters: Array<() => void> = [];
  let done = false;
  const notify = () => waiters.splice(0).forEach((w) => w());
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let current: { id?: string; event?: string; data: string[] } = { data: [] };
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffer.search(/\r?\n/)) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
          if (line === '') {
            if (current.event || current.data.length) {
              const text = current.data.join('\n');
              events.push({
                ...(current.id !== undefined ? { id: current.id } : {}),
                event: current.event ?? 'message',
                data: text ? JSON.parse(text) : null,
              });
              notify();
            }
            current = { data: [] };
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') current.id = value;
          else if (field === 'event') current.event = value;
          else if (field === 'data') current.data.push(value);
        }
      }
    } catch {
      // aborted by close(), or the connection dropped
    } finally {
      done = true;
      notify();
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended,
    close: () => controller.abort(),
    waitFor(count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`timed out with ${events.length}/${count} events: ${JSON.stringify(events).slice(0, 500)}`)),
          timeoutMs,
        );
        const check = () => {
          if (events.length >= count) {
            clearTimeout(deadline);
            resolve(events);
          } else if (done) {
            clearTimeout(deadline);
            reject(new Error(`the stream ended with ${events.length}/${count} events: ${JSON.stringify(events).slice(0, 500)}`));
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}
