/* The live view (GET /): the service's row changes as a sphere of keys, with status, filters,
 * replay and controls. Plain script, no library, no build step; served under the page's CSP
 * (no inline script or style), every URL relative so it works behind a proxy's path prefix.
 *
 * Sections: constants and helpers · token · stream client (SSE over fetch) · orb field and
 * renderer · counters, rate chart, hotspots, heatmap · status and executions panels · controls ·
 * replay · connection state · the test hook (window.updaterView) · start.
 *
 * Element ids (stable; Tests/Browser/live_view_test.py uses them):
 *   #connection        connection state: live | connecting | reconnecting (attempt N) | behind | replaying
 *   #sphere            the orb canvas                 #orb-count       "N keys, M lit"
 *   #filter-operations operation checkboxes            #filter-tables   table checkboxes (one per table seen)
 *   #filter-tenant     tenant id prefix (empty: all)   #table-counters  per-table counts (tr[data-table])
 *   #rate-chart        events/s, last 5 min            #updater-status  per-updater rows (tr[data-updater])
 *   #executions        recent executions               #errors          recent failed or timed-out executions
 *   #hotspots          top 10 keys                     #heatmap         table × minute, last hour
 *   #control-updater   updater select                  #btn-execute #btn-dry-run #btn-pause #btn-resume #btn-token
 *   #control-message   result or refusal of the last control action (class ok | error)
 *   #token-dialog #token-input #token-ok #token-cancel  the token dialog
 *   #btn-replay #replay-speed #replay-progress #replay-status   replay of the last 5 minutes
 *   #service-summary   scheduling paused / dry run / database
 *
 * Test hook window.updaterView: stats(), seenSequences(), frameTimes(), renderTimes() (each
 * frame's own work, ms), resetFrameTimes(),
 * debug.disconnect() (see the end of this file).
 */
(() => {
  "use strict";

  // ---------------------------------------------------------------------------------------------
  // Constants and helpers

  const API = "api/database-updater/";           // relative: works under any path prefix
  const OPERATIONS = ["insert", "update", "delete"];
  const FADE_MS = 3000;                          // a lit orb fades back to its dim colour in 3 s
  const REPLAY_SECONDS = 300;
  const REPLAY_MAX_EVENTS = 100000;              // replay keeps at most these (see Replay)
  const BEHIND_AFTER_GAP_MS = 10000;             // "behind" for 10 s after a gap marker
  const BEHIND_LAG_MS = 5000;                    // … or while the newest event is older than 5 s
  const MAX_SEEN = 1000000;                      // seenSequences() keeps the latest million
  const CLOCK_SKEW_MS = 1500;                    // the server's clock is used past this offset

  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function row(cells, attributes) {
    const tr = document.createElement("tr");
    for (const cell of cells) tr.appendChild(cell instanceof Node ? cell : el("td", cell));
    for (const [name, value] of Object.entries(attributes || {})) tr.setAttribute(name, value);
    return tr;
  }

  function headerRow(names) {
    return row(names.map((name) => el("th", name, /^(#|count|total|insert|update|delete|runs|failed)$/.test(name) ? "num" : "")));
  }

  function replaceRows(table, rows) {
    table.replaceChildren(...rows);
  }

  function timeOf(iso) {
    if (!iso) return "—";
    const date = new Date(iso);
    return isNaN(date) ? "—" : date.toLocaleTimeString();
  }

  function inSeconds(iso) {
    if (!iso) return "—";
    const seconds = Math.round((Date.parse(iso) - clock.now()) / 1000);
    if (isNaN(seconds)) return "—";
    return seconds <= 0 ? "due" : seconds < 120 ? `in ${seconds} s` : `in ${Math.round(seconds / 60)} min`;
  }

  const short = (id) => (id ? String(id).slice(0, 8) : "—");

  // The server's clock: whatever compares the server's timestamps (commit times, next fires) with
  // "now" uses clock.now(), not Date.now(), so a skewed browser clock neither shows "behind" forever
  // nor shifts the heatmap. The offset is estimated from the Date header of the polled status
  // responses (second resolution, so the header's second is taken at its middle): the median of the
  // last 5 `Date.now() - server time`, applied only past CLOCK_SKEW_MS (below that it is noise of
  // the header's resolution and the round trip). What is measured on the browser's clock alone
  // (arrival times, the rate chart) keeps Date.now().
  const clock = {
    samples: [],
    offset: 0,
    now() { return Date.now() - this.offset; },
    observe(response) {
      const server = Date.parse(response.headers.get("Date") || "");
      if (isNaN(server)) return;
      this.samples.push(Date.now() - (server + 500));
      if (this.samples.length > 5) this.samples.shift();
      const sorted = [...this.samples].sort((a, b) => a - b);
      const median = sorted[sorted.length >> 1];
      this.offset = Math.abs(median) > CLOCK_SKEW_MS ? median : 0;
    },
  };

  // ---------------------------------------------------------------------------------------------
  // Token: asked once (in-page dialog) when an action or a read needs it, kept in sessionStorage
  // only; forgotten when the service refuses it (401/403).

  const tokens = {
    key: "updater.apiToken",
    get current() { return sessionStorage.getItem(this.key) || ""; },
    forget() { sessionStorage.removeItem(this.key); },
    headers() { const token = this.current; return token ? { Authorization: `Bearer ${token}` } : {}; },

    /** The token, asking for it when there is none; "" when the dialog is cancelled. */
    async get() {
      return this.current || this.ask();
    },

    ask() {
      const dialog = $("token-dialog");
      const input = $("token-input");
      input.value = "";
      dialog.returnValue = "";
      return new Promise((resolve) => {
        dialog.addEventListener("close", () => {
          const token = dialog.returnValue === "ok" ? input.value.trim() : "";
          if (token) sessionStorage.setItem(this.key, token);
          resolve(token);
        }, { once: true });
        dialog.showModal();
        input.focus();
      });
    },
  };

  /** GET API + path as JSON; `observe(response)`, when given, sees the response first. */
  async function getJSON(path, observe) {
    const response = await fetch(API + path, { headers: tokens.headers(), cache: "no-store" });
    if (observe) observe(response);
    if (response.status === 401 || response.status === 403) {
      if (response.status === 403) tokens.forget();
      throw new Error("the service needs the API token to be read: use Token…");
    }
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.json();
  }

  // ---------------------------------------------------------------------------------------------
  // Stream client: Server-Sent Events read with fetch() and a ReadableStream (not EventSource), so
  // it can send Authorization and Last-Event-ID and decide when to reconnect. Reconnects after
  // 0.5 s, doubling to 5 s while failing (503 included); resumes after the last id it received.
  // A refusal (401/403) is handled as getJSON does — 403 forgets the token — and reported through
  // onRefused; the retries go on with the same back-off and read the token afresh each time, so
  // once one is given (Token…) the next attempt sends it. The dialog is never opened from here:
  // only a user's action asks.

  class StreamClient {
    /** params: query parameters; handlers: onEvent(object), onMarker(type, object),
     *  onState(state, attempt) with state connecting | open | reconnecting | closed,
     *  onRefused(status) (optional) when the service refused the token (401/403). */
    constructor(params, handlers, { reconnect = true, lastEventId = null } = {}) {
      this.params = params;
      this.handlers = handlers;
      this.reconnect = reconnect;
      this.lastEventId = lastEventId;
      this.stopped = false;
      this.controller = null;
      this.connections = 0;
    }

    start() {
      this.loop();
      return this;
    }

    /** Ends the stream for good. */
    stop() {
      this.stopped = true;
      if (this.controller) this.controller.abort();
    }

    /** Drops the current connection; the loop reconnects with Last-Event-ID. */
    disconnect() {
      if (this.controller) this.controller.abort();
    }

    async loop() {
      let attempt = 0;
      let delay = 500;
      while (!this.stopped) {
        this.handlers.onState(attempt === 0 ? "connecting" : "reconnecting", attempt);
        this.controller = new AbortController();
        try {
          const headers = { Accept: "text/event-stream", ...tokens.headers() };
          if (this.lastEventId !== null) headers["Last-Event-ID"] = String(this.lastEventId);
          const query = new URLSearchParams(this.params).toString();
          const response = await fetch(API + "events" + (query ? `?${query}` : ""), {
            headers, cache: "no-store", signal: this.controller.signal,
          });
          if (response.status === 401 || response.status === 403) {
            if (response.status === 403) tokens.forget();
            response.body?.cancel().catch(() => {});
            if (this.handlers.onRefused) this.handlers.onRefused(response.status);
            throw new Error(`HTTP ${response.status}`);
          }
          if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
          this.connections += 1;
          attempt = 0;
          delay = 500;
          this.handlers.onState("open", 0);
          await this.read(response.body.getReader());
        } catch (error) {
          // Aborted (disconnect/stop), refused, 503, or the connection dropped: retry below.
        }
        if (this.stopped || !this.reconnect) break;
        attempt += 1;
        this.handlers.onState("reconnecting", attempt);
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
      this.handlers.onState("closed", 0);
    }

    async read(reader) {
      const decoder = new TextDecoder();
      let buffer = "";
      let type = "message";
      let data = [];
      let id = null;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let start = 0;
        let end;
        while ((end = buffer.indexOf("\n", start)) >= 0) {
          let line = buffer.slice(start, end);
          start = end + 1;
          if (line.endsWith("\r")) line = line.slice(0, -1);
          if (line === "") {
            if (data.length) this.dispatch(type, data.join("\n"), id);
            type = "message";
            data = [];
            id = null;
            continue;
          }
          if (line.startsWith(":")) continue; // comment: heartbeat or "connected"
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let text = colon < 0 ? "" : line.slice(colon + 1);
          if (text.startsWith(" ")) text = text.slice(1);
          if (field === "event") type = text;
          else if (field === "data") data.push(text);
          else if (field === "id") id = text;
        }
        buffer = buffer.slice(start);
        if (this.stopped) return;
      }
    }

    dispatch(type, text, id) {
      let object;
      try {
        object = JSON.parse(text);
      } catch {
        return;
      }
      if (type === "message") this.handlers.onEvent(object);
      else this.handlers.onMarker(type, object);
      if (id !== null && id !== "" && !isNaN(Number(id))) this.lastEventId = Number(id);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Orb field: every key (table + key) shown gets a slot on a Fibonacci lattice of CAPACITY points,
  // chosen by a hash of the key with open addressing (linear probing), so a key keeps its place
  // for the page's life. Past CAPACITY keys, a new key is not placed: it lights the orb of its
  // hash's home slot, shared with the key there (counted in `overflowKeys`).

  class OrbField {
    constructor(capacity) {
      this.capacity = capacity;
      this.x = new Float32Array(capacity);
      this.y = new Float32Array(capacity);
      this.z = new Float32Array(capacity);
      const golden = Math.PI * (3 - Math.sqrt(5));
      for (let i = 0; i < capacity; i++) {
        const y = 1 - ((i + 0.5) * 2) / capacity;
        const r = Math.sqrt(1 - y * y);
        this.x[i] = Math.cos(golden * i) * r;
        this.y[i] = y;
        this.z[i] = Math.sin(golden * i) * r;
      }
      this.slotKey = new Array(capacity).fill(null);
      this.slots = new Map();                        // key -> slot
      this.occupied = new Int32Array(capacity);      // the taken slots, in placing order
      this.count = 0;
      this.litAt = new Float64Array(capacity);       // performance.now() of the last lighting
      this.litOp = new Uint8Array(capacity);         // 0 insert, 1 update, 2 delete
      this.writes = new Uint32Array(capacity);       // filtered writes per slot (hotspots)
      this.overflowKeys = 0;
      this.overflowSeen = new Set();
    }

    static hash(text) {
      let h = 0x811c9dc5;                            // FNV-1a, 32 bits
      for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
      }
      return h >>> 0;
    }

    /** The key's slot, placing it on first sight. */
    place(table, key) {
      const name = `${table}\u0000${key}`;
      const known = this.slots.get(name);
      if (known !== undefined) return known;
      const home = OrbField.hash(name) % this.capacity;
      if (this.count >= this.capacity) {
        if (this.overflowSeen.size < 100000 && !this.overflowSeen.has(name)) {
          this.overflowSeen.add(name);
          this.overflowKeys += 1;
        }
        return home;
      }
      let slot = home;
      while (this.slotKey[slot] !== null) slot = (slot + 1) % this.capacity;
      this.slotKey[slot] = name;
      this.slots.set(name, slot);
      this.occupied[this.count++] = slot;
      return slot;
    }

    light(slot, operation, now) {
      this.litAt[slot] = now;
      this.litOp[slot] = Math.max(0, OPERATIONS.indexOf(operation));
    }

    litCount(now) {
      let lit = 0;
      for (let k = 0; k < this.count; k++) {
        const at = this.litAt[this.occupied[k]];
        if (at > 0 && now - at < FADE_MS) lit++;
      }
      return lit;
    }

    /** The top `n` slots by writes: [{table, key, count}]. */
    top(n) {
      const best = [];
      for (let k = 0; k < this.count; k++) {
        const slot = this.occupied[k];
        const writes = this.writes[slot];
        if (writes === 0 || (best.length === n && writes <= best[n - 1].count)) continue;
        best.push({ slot, count: writes });
        best.sort((a, b) => b.count - a.count);
        if (best.length > n) best.pop();
      }
      return best.map(({ slot, count }) => {
        const [table, key] = this.slotKey[slot].split("\u0000");
        return { table, key, count };
      });
    }
  }

  // Renderer: one ImageData per frame written through a Uint32Array, one putImageData — no
  // per-orb canvas calls, so 10,000+ orbs draw in a few ms even with software rendering.
  // Back hemisphere first, then the front, then the lit orbs on top; depth shades and sizes.

  class SphereRenderer {
    constructor(canvas, field) {
      this.canvas = canvas;
      this.field = field;
      this.context = canvas.getContext("2d");
      this.image = this.context.createImageData(canvas.width, canvas.height);
      this.pixels = new Uint32Array(this.image.data.buffer);
      this.px = new Float32Array(field.capacity);
      this.py = new Float32Array(field.capacity);
      this.pz = new Float32Array(field.capacity);
      this.litCount = 0;
      this.discs = [0, 1, 2, 3].map((radius) => SphereRenderer.disc(radius));
      // Little-endian ABGR; the operation colours (insert green, update amber, delete red).
      this.colours = [[63, 185, 80], [240, 169, 46], [248, 81, 73]];
    }

    static disc(radius) {
      const offsets = [];
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          if (dx * dx + dy * dy <= radius * radius + radius) offsets.push(dy, dx);
        }
      }
      return offsets;
    }

    plot(x, y, disc, colour) {
      const width = this.canvas.width;
      const height = this.canvas.height;
      const pixels = this.pixels;
      const cx = x | 0;
      const cy = y | 0;
      for (let i = 0; i < disc.length; i += 2) {
        const py = cy + disc[i];
        const px = cx + disc[i + 1];
        if (px >= 0 && py >= 0 && px < width && py < height) pixels[py * width + px] = colour;
      }
    }

    render(now) {
      const { field, px, py, pz } = this;
      const width = this.canvas.width;
      const height = this.canvas.height;
      this.pixels.fill(0xff0b0705);
      const radius = Math.min(width, height) * 0.44;
      const cx = width / 2;
      const cy = height / 2;
      const angle = now * 0.00012;                 // about one turn a minute
      const tilt = 0.35;
      const cosA = Math.cos(angle), sinA = Math.sin(angle);
      const cosT = Math.cos(tilt), sinT = Math.sin(tilt);
      const count = field.count;
      const order = field.occupied;
      // Project, and draw the unlit back hemisphere.
      for (let k = 0; k < count; k++) {
        const s = order[k];
        const x0 = field.x[s], y0 = field.y[s], z0 = field.z[s];
        const x = x0 * cosA + z0 * sinA;
        const z1 = -x0 * sinA + z0 * cosA;
        const y = y0 * cosT - z1 * sinT;
        const z = y0 * sinT + z1 * cosT;
        const scale = radius * (1 + z * 0.1);
        px[k] = cx + x * scale;
        py[k] = cy - y * scale;
        pz[k] = z;
        if (z < 0 && !this.lit(s, now)) this.plot(px[k], py[k], this.discs[0], this.dim(z));
      }
      // The unlit front.
      for (let k = 0; k < count; k++) {
        const z = pz[k];
        if (z >= 0 && !this.lit(order[k], now)) this.plot(px[k], py[k], this.discs[1], this.dim(z));
      }
      // The lit orbs, on top, larger while fresh.
      let lit = 0;
      for (let k = 0; k < count; k++) {
        const s = order[k];
        if (!this.lit(s, now)) continue;
        const age = now - field.litAt[s];
        lit++;
        const fade = Math.sqrt(1 - age / FADE_MS);   // stays bright, then goes
        const depth = 0.7 + 0.3 * (pz[k] + 1) / 2;
        const [r, g, b] = this.colours[field.litOp[s]];
        const base = 40 + 50 * depth;
        const mix = (c) => Math.min(255, (base + (c - base) * fade) * depth) | 0;
        const colour = 0xff000000 | (mix(b) << 16) | (mix(g) << 8) | mix(r);
        this.plot(px[k], py[k], this.discs[fade > 0.6 ? 3 : fade > 0.25 ? 2 : 1], colour);
      }
      this.litCount = lit;
      this.context.putImageData(this.image, 0, 0);
    }

    /** Whether slot `s` is lit at `now`: never-lit slots (litAt 0) are not, even in the page's
     *  first FADE_MS (performance.now() starts near 0), as in OrbField.litCount. */
    lit(s, now) {
      const at = this.field.litAt[s];
      return at > 0 && now - at < FADE_MS;
    }

    /** A dim orb's colour by depth (z in -1…1): blue-grey, brighter in front. */
    dim(z) {
      const d = (z + 1) / 2;
      const r = (28 + 62 * d) | 0, g = (36 + 72 * d) | 0, b = (52 + 98 * d) | 0;
      return 0xff000000 | (b << 16) | (g << 8) | r;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Filters (client-side: they decide which events light orbs and count; changes apply at once,
  // counters included, as counts are kept per table × operation × tenant).

  const filters = {
    tablesOff: new Set(),
    operationsOff: new Set(),
    tenant: "",
    passes(event) {
      return !this.tablesOff.has(event.table) && !this.operationsOff.has(event.operation)
        && (!this.tenant || String(event.tenant || "").startsWith(this.tenant));
    },
  };

  function wireFilters() {
    $("filter-operations").addEventListener("change", (e) => {
      if (e.target.checked) filters.operationsOff.delete(e.target.value);
      else filters.operationsOff.add(e.target.value);
      panels.refreshCounters();
    });
    $("filter-tables").addEventListener("change", (e) => {
      if (e.target.checked) filters.tablesOff.delete(e.target.value);
      else filters.tablesOff.add(e.target.value);
      panels.refreshCounters();
    });
    $("filter-tenant").addEventListener("input", (e) => {
      filters.tenant = e.target.value.trim();
      panels.refreshCounters();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Counters, rate chart, hotspots and heatmap, fed by the live stream.

  const panels = {
    counts: new Map(),          // "table\0operation\0tenant" -> count (every live event)
    tables: new Set(),
    tenants: new Set(),
    perSecond: new Uint32Array(REPLAY_SECONDS),   // filtered events per second, a ring
    perSecondAt: new Float64Array(REPLAY_SECONDS),
    heat: new Map(),            // table -> Map(minute since 1970 -> count)
    heatFrom: -Infinity,        // the first minute the live stream counts (before it: the seed's)
    tableTotals: {},

    add(event) {
      const key = `${event.table}\u0000${event.operation}\u0000${event.tenant || ""}`;
      this.counts.set(key, (this.counts.get(key) || 0) + 1);
      if (!this.tables.has(event.table)) this.addTable(event.table);
      if (event.tenant && !this.tenants.has(event.tenant) && this.tenants.size < 2000) {
        this.tenants.add(event.tenant);
        $("tenant-list").appendChild(Object.assign(el("option"), { value: event.tenant }));
      }
      this.addHeat(event);
      if (filters.passes(event)) this.countSecond();
    },

    /** Counts the event on the heatmap, from the minute `heatFrom` on (earlier: the seed's). */
    addHeat(event) {
      const minute = Math.floor((event.timestamp || clock.now() / 1000) / 60);
      if (minute < this.heatFrom) return;
      let minutes = this.heat.get(event.table);
      if (!minutes) this.heat.set(event.table, (minutes = new Map()));
      minutes.set(minute, (minutes.get(minute) || 0) + 1);
    },

    addTable(table) {
      this.tables.add(table);
      const label = el("label");
      const box = Object.assign(el("input"), { type: "checkbox", value: table, checked: !filters.tablesOff.has(table) });
      label.append(box, ` ${table}`);
      const container = $("filter-tables");
      const after = [...container.children].find((child) => child.textContent.trim() > table);
      container.insertBefore(label, after || null);
    },

    countSecond() {
      const second = Math.floor(Date.now() / 1000);
      const i = second % REPLAY_SECONDS;
      if (this.perSecondAt[i] !== second) {
        this.perSecondAt[i] = second;
        this.perSecond[i] = 0;
      }
      this.perSecond[i] += 1;
    },

    /** Events per second over the last 5 complete seconds (filtered). */
    eventsPerSecond() {
      const now = Math.floor(Date.now() / 1000);
      let sum = 0;
      for (let second = now - 5; second < now; second++) {
        const i = second % REPLAY_SECONDS;
        if (this.perSecondAt[i] === second) sum += this.perSecond[i];
      }
      return sum / 5;
    },

    refreshCounters() {
      const totals = {};
      for (const table of this.tables) totals[table] = { insert: 0, update: 0, delete: 0, total: 0 };
      for (const [key, count] of this.counts) {
        const [table, operation, tenant] = key.split("\u0000");
        if (!filters.passes({ table, operation, tenant })) continue;
        totals[table][operation] += count;
        totals[table].total += count;
      }
      this.tableTotals = totals;
      const rows = [headerRow(["table", "insert", "update", "delete", "total"])];
      for (const table of [...this.tables].sort()) {
        const t = totals[table];
        rows.push(row([el("td", table), ...["insert", "update", "delete", "total"].map((k) => el("td", t[k], "num"))],
          { "data-table": table, "data-count": t.total }));
      }
      replaceRows($("table-counters"), rows);
    },

    drawRateChart() {
      const canvas = $("rate-chart");
      if (canvas.clientWidth && canvas.width !== canvas.clientWidth) canvas.width = canvas.clientWidth;  // crisp, not stretched
      const context = canvas.getContext("2d");
      const { width, height } = canvas;
      context.clearRect(0, 0, width, height);
      const now = Math.floor(Date.now() / 1000);
      const values = [];
      for (let second = now - REPLAY_SECONDS + 1; second <= now; second++) {
        const i = ((second % REPLAY_SECONDS) + REPLAY_SECONDS) % REPLAY_SECONDS;
        values.push(this.perSecondAt[i] === second ? this.perSecond[i] : 0);
      }
      const max = Math.max(1, ...values);
      const step = width / values.length;
      context.fillStyle = "#58a6ff";
      values.forEach((value, i) => {
        const h = (value / max) * (height - 14);
        context.fillRect(i * step, height - h, Math.max(1, step - 0.2), h);
      });
      context.fillStyle = "#8b949e";
      context.font = "11px system-ui, sans-serif";
      context.fillText(`max ${max}/s · now ${this.eventsPerSecond().toFixed(1)}/s`, 4, 11);
    },

    drawHotspots() {
      const rows = [headerRow(["#", "table", "key", "count"])];
      field.top(10).forEach(({ table, key, count }, i) => {
        rows.push(row([el("td", i + 1, "num"), el("td", table), el("td", key.length > 40 ? key.slice(0, 39) + "…" : key), el("td", count, "num")]));
      });
      replaceRows($("hotspots"), rows);
    },

    /** Seeds the heatmap from GET events/activity (counts per table and minute), for the minutes
     *  before `heatFrom` only: the live stream counts the others, and may have begun already. */
    seedHeat(activity) {
      const first = Math.floor(Date.parse(activity.since) / 1000 / 60);
      const perBucket = Math.max(1, Math.round((activity.bucketSeconds || 60) / 60));
      for (const [table, counts] of Object.entries(activity.tables || {})) {
        let minutes = this.heat.get(table);
        if (!minutes) this.heat.set(table, (minutes = new Map()));
        counts.forEach((count, i) => {
          const minute = first + i * perBucket;
          if (count && minute < this.heatFrom) minutes.set(minute, count);
        });
      }
    },

    drawHeatmap() {
      const now = Math.floor(clock.now() / 60000);   // the log's minutes are the server's
      const tables = [...this.heat.keys()].sort();
      let max = 1;
      for (const minutes of this.heat.values()) {
        for (const [minute, count] of minutes) {
          if (minute <= now - 60) minutes.delete(minute);
          else max = Math.max(max, count);
        }
      }
      const rows = tables.map((table) => {
        const minutes = this.heat.get(table);
        const cells = [el("th", table)];
        for (let minute = now - 59; minute <= now; minute++) {
          const count = minutes.get(minute) || 0;
          const td = el("td");
          td.title = `${table} ${new Date(minute * 60000).toLocaleTimeString()}: ${count}`;
          if (count) {
            const level = Math.log1p(count) / Math.log1p(max);
            td.style.backgroundColor = `rgba(240, 169, 46, ${(0.15 + 0.85 * level).toFixed(2)})`;
          }
          cells.push(td);
        }
        return row(cells, { "data-table": table });
      });
      replaceRows($("heatmap"), rows);
    },
  };

  // ---------------------------------------------------------------------------------------------
  // Status and executions: polled (status every 3 s, executions every 5 s).

  const service = { updaters: [], status: null, readError: "" };

  async function pollStatus() {
    try {
      const status = await getJSON("status", (response) => clock.observe(response));
      service.status = status;
      service.readError = "";
      renderStatus(status);
    } catch (error) {
      service.readError = error.message;
      $("service-summary").textContent = error.message;
    }
  }

  function renderStatus(status) {
    const byUpdater = new Map();
    for (const schedule of status.schedules || []) {
      let entry = byUpdater.get(schedule.updater);
      if (!entry) byUpdater.set(schedule.updater, (entry = { schedules: 0, nextFire: null, running: 0, schedule: schedule.schedule }));
      entry.schedules += 1;
      if (schedule.running) entry.running += 1;
      if (schedule.nextFire && (!entry.nextFire || schedule.nextFire < entry.nextFire)) entry.nextFire = schedule.nextFire;
    }
    const metrics = new Map((status.metrics || []).map((m) => [m.updater, m]));
    const names = [...new Set([...byUpdater.keys(), ...metrics.keys()])].sort();
    const rows = [headerRow(["updater", "schedule", "tenants", "next fire", "running", "runs", "failed", "last run", "last outcome", "last error"])];
    for (const name of names) {
      const s = byUpdater.get(name) || { schedules: 0, nextFire: null, running: 0, schedule: "—" };
      const m = metrics.get(name) || {};
      rows.push(row([
        el("td", name), el("td", s.schedule), el("td", s.schedules, "num"),
        el("td", s.nextFire ? `${timeOf(s.nextFire)} (${inSeconds(s.nextFire)})` : "—"),
        el("td", s.running, "num"), el("td", m.totalExecutions ?? 0, "num"), el("td", m.failedExecutions ?? 0, "num"),
        el("td", timeOf(m.lastExecutionTime)), el("td", m.lastOutcome || "—", m.lastOutcome || ""),
        el("td", m.lastError || "", "error-text"),
      ], { "data-updater": name }));
    }
    replaceRows($("updater-status"), rows);

    const select = $("control-updater");
    if (names.join("\n") !== service.updaters.join("\n")) {
      const chosen = select.value;
      select.replaceChildren(...names.map((name) => Object.assign(el("option", name), { value: name })));
      if (names.includes(chosen)) select.value = chosen;
      service.updaters = names;
    }
    const parts = [status.schedulingPaused ? "scheduling PAUSED" : "scheduling on"];
    if (status.dryRun) parts.push("dry run");
    if (status.database) parts.push(status.database);
    if (status.databaseHealth && !status.databaseHealth.reachable) parts.push("database unreachable");
    $("service-summary").textContent = parts.join(" · ");
  }

  async function pollExecutions() {
    try {
      const [recent, failed] = await Promise.all([getJSON("executions?count=20"), getJSON("executions?count=20&outcome=failed,timed_out")]);
      renderExecutions($("executions"), recent, false);
      renderExecutions($("errors"), failed, true);
    } catch (error) {
      service.readError = error.message;
    }
  }

  function renderExecutions(table, records, errors) {
    const rows = [headerRow(errors ? ["finished", "updater", "tenant", "outcome", "error"] : ["finished", "updater", "tenant", "trigger", "outcome", "rows"])];
    for (const record of records) {
      const rowsWritten = (record.rows || []).reduce((sum, r) => sum + r.count, 0);
      const cells = [el("td", timeOf(record.finishedAt)), el("td", record.updater), el("td", short(record.tenant))];
      if (errors) cells.push(el("td", record.outcome, record.outcome), el("td", record.error || "", "error-text"));
      else cells.push(el("td", record.trigger + (record.dryRun ? " (dry run)" : "")), el("td", record.outcome, record.outcome), el("td", rowsWritten, "num"));
      rows.push(row(cells, { "data-execution": record.id }));
    }
    if (records.length === 0) rows.push(row([el("td", errors ? "none" : "none yet", "muted")]));
    replaceRows(table, rows);
  }

  // ---------------------------------------------------------------------------------------------
  // Controls: execute, dry run, pause, resume — POSTs with the token. A refusal (401/403) is
  // shown, and the token is forgotten so the next action asks again.

  function message(text, kind) {
    const box = $("control-message");
    box.textContent = text;
    box.className = `message ${kind}`;
    delete box.dataset.stream;   // set by the live stream's refusal, which clears only its own
  }

  async function control(action) {
    const updater = $("control-updater").value;
    if ((action === "execute" || action === "dry-run") && !updater) {
      message("No updater known yet (status not read).", "error");
      return;
    }
    const token = await tokens.get();
    if (!token) {
      message("Cancelled: no token given.", "error");
      return;
    }
    const path = action === "execute" || action === "dry-run" ? `${action}/${encodeURIComponent(updater)}` : action;
    message(`${action}…`, "");
    let response;
    try {
      response = await fetch(API + path, { method: "POST", headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
    } catch (error) {
      message(`${action}: the service did not answer (${error.message}).`, "error");
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (response.status === 401 || response.status === 403) {
      tokens.forget();
      message(`Refused (${response.status}): ${body.error || "the token was not accepted"}. The token was forgotten; the next action asks for it again.`, "error");
      return;
    }
    if (!response.ok) {
      message(`${action} failed (${response.status}): ${body.error || response.statusText}`, "error");
      return;
    }
    if (action === "execute" || action === "dry-run") {
      const rows = (body.rows || []).reduce((sum, r) => sum + r.count, 0);
      message(`${action} ${updater}: ${body.outcome}, ${rows} rows${body.error ? ` — ${body.error}` : ""}`, body.outcome === "succeeded" ? "ok" : "error");
    } else {
      message(action === "stop" ? "Scheduling paused." : "Scheduling resumed.", "ok");
    }
    pollStatus();
    pollExecutions();
  }

  function wireControls() {
    $("btn-execute").addEventListener("click", () => control("execute"));
    $("btn-dry-run").addEventListener("click", () => control("dry-run"));
    $("btn-pause").addEventListener("click", () => control("stop"));
    $("btn-resume").addEventListener("click", () => control("start"));
    $("token-cancel").addEventListener("click", () => $("token-dialog").close("cancel"));
    $("btn-token").addEventListener("click", async () => {
      tokens.forget();
      if (await tokens.ask()) message("Token kept for this tab.", "ok");
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Replay: a second stream from `since=now-5min` collects the log up to the live position (the
  // live stream's last id when replay started), or up to the first event committed at or after the
  // click (when the live stream had no numbered event yet, or the log never pauses), or until the
  // log is idle for 1.5 s; then plays it back with the original spacing divided by the speed,
  // lighting orbs. The live stream goes on.
  //
  // Each start is a run with its own id, captured by all of its callbacks and timers: a new
  // Replay started while one collects must not be stopped or fed by the old stream's late
  // callbacks (its abort reports "closed" asynchronously, its idle timer can fire).
  // Memory: an event is kept as {table, key, operation, tenant, timestamp} only (no row images),
  // table/operation/tenant strings shared, at most REPLAY_MAX_EVENTS of them — about 15 MB; a
  // busier window replays its first 100,000 events (at 1,000 events/s, its first 100 s) — and
  // the array is dropped once playback ends.

  class Replay {
    constructor() {
      this.active = false;
      this.collecting = false;
      this.speed = 5;
      this.events = [];
      this.played = 0;
      this.total = 0;                      // events.length, kept when the array is dropped
      this.at = 0;                         // the timestamp of the last event played
      this.refused = 0;                    // 401/403 from the replay's stream
      this.stream = null;
      this.run = 0;                        // the current run's id
      this.idle = null;
    }

    start(speed, livePosition) {
      this.stop();
      const run = this.run;
      const current = () => run === this.run;
      this.active = true;
      this.collecting = true;
      this.speed = speed;
      this.events = [];
      this.played = 0;
      this.total = 0;
      this.at = 0;
      this.refused = 0;
      const clickedAt = clock.now() / 1000;
      const since = (clickedAt - REPLAY_SECONDS).toFixed(3);
      const strings = new Map();           // one copy of each table, operation and tenant
      const shared = (text) => {
        if (text === undefined || text === null) return text;
        const known = strings.get(text);
        if (known !== undefined) return known;
        if (strings.size < 10000) strings.set(text, text);
        return text;
      };
      const done = () => { if (current()) this.finishCollecting(); };
      const idleAfter = (ms) => {
        clearTimeout(this.idle);
        this.idle = setTimeout(done, ms);
      };
      this.stream = new StreamClient({ since }, {
        onEvent: (event) => {
          if (!current() || !this.collecting || event.type !== "db_write") return;
          if (typeof event.timestamp === "number" && event.timestamp >= clickedAt) {
            done();                        // committed after the click: the present is reached
            return;
          }
          this.events.push({
            table: shared(event.table), key: event.key, operation: shared(event.operation),
            tenant: shared(event.tenant), timestamp: event.timestamp,
          });
          if ((livePosition !== null && event.seq >= livePosition) || this.events.length >= REPLAY_MAX_EVENTS) done();
          else idleAfter(1500);
        },
        onMarker: () => {},
        onRefused: (status) => { if (current()) this.refused = status; },
        onState: (state) => {
          if (!current()) return;
          if (state === "open") idleAfter(1500);
          if (state === "closed" && this.collecting) done();
        },
      }, { reconnect: false }).start();
    }

    finishCollecting() {
      if (!this.collecting) return;
      this.collecting = false;
      clearTimeout(this.idle);
      this.stream.stop();
      this.total = this.events.length;
      if (this.events.length === 0) {
        this.active = false;
        return;
      }
      this.at = this.events[0].timestamp;
      this.logStart = this.events[0].timestamp;
      this.position = 0;                   // seconds of log time played
      this.wallStart = performance.now();
    }

    setSpeed(speed) {
      if (this.active && !this.collecting) {
        this.position = this.logPosition(performance.now());
        this.wallStart = performance.now();
      }
      this.speed = speed;
    }

    logPosition(now) {
      return this.position + ((now - this.wallStart) / 1000) * this.speed;
    }

    /** Ends the current run: its stream, its timer and its callbacks (the run id moves on). */
    stop() {
      this.run += 1;
      clearTimeout(this.idle);
      if (this.stream) this.stream.stop();
      this.active = false;
      this.collecting = false;
      this.events = [];
    }

    /** Plays the events due by `now`; called every frame. */
    tick(now) {
      if (!this.active || this.collecting) return;
      const until = this.logStart + this.logPosition(now);
      while (this.played < this.events.length && this.events[this.played].timestamp <= until) {
        const event = this.events[this.played++];
        this.at = event.timestamp;
        const slot = field.place(event.table, event.key);
        if (filters.passes(event)) field.light(slot, event.operation, now);
      }
      if (this.played >= this.events.length) {
        this.active = false;
        this.events = [];                  // played: keep the counts only
      }
    }

    describe() {
      if (this.collecting) return `reading the log… ${this.events.length} events`;
      if (!this.total) {
        if (this.refused) return `refused (${this.refused}): the API needs the token: press Token…`;
        return this.stream ? "nothing written in the last 5 minutes" : "";
      }
      return `${this.played} / ${this.total} events · ${new Date(this.at * 1000).toLocaleTimeString()}${this.active ? "" : " · done"}`;
    }
  }

  function wireReplay() {
    $("btn-replay").addEventListener("click", () => replay.start(Number($("replay-speed").value), live.lastEventId));
    $("replay-speed").addEventListener("change", (e) => replay.setSpeed(Number(e.target.value)));
  }

  function renderReplay() {
    const progress = $("replay-progress");
    progress.max = Math.max(1, replay.collecting ? replay.events.length : replay.total);
    progress.value = replay.collecting ? 0 : replay.played;
    $("replay-status").textContent = replay.describe();
  }

  // ---------------------------------------------------------------------------------------------
  // The live stream and the connection state.

  const field = new OrbField(20000);
  const replay = new Replay();
  // startedAt: the server's time (s) when the page opened the stream; events committed before it
  // are the stream's catch-up (see Start), for the heatmap only.
  const counters = { events: 0, gaps: 0, resets: 0, dropped: 0, lastGapAt: 0, lastTimestamp: 0, lastArrival: 0, startedAt: 0 };
  const seen = [];
  const connection = { state: "connecting", attempt: 0, refused: 0 };   // refused: 401/403 until open

  function onLiveEvent(event) {
    if (event.type !== "db_write") return;
    const now = performance.now();
    if (typeof event.seq === "number") {
      if (seen.length >= MAX_SEEN) seen.splice(0, MAX_SEEN / 2);
      seen.push(event.seq);
    }
    if (typeof event.timestamp === "number" && event.timestamp < counters.startedAt) {
      panels.addHeat(event);   // catch-up, from before the page opened the stream: not live
      return;
    }
    counters.events += 1;
    counters.lastTimestamp = event.timestamp || clock.now() / 1000;
    counters.lastArrival = Date.now();
    panels.add(event);
    const slot = field.place(event.table, event.key);
    if (filters.passes(event)) {
      field.light(slot, event.operation, now);
      field.writes[slot] += 1;
    }
  }

  function onLiveMarker(type, object) {
    if (type === "gap") {
      counters.gaps += 1;
      counters.lastGapAt = Date.now();
    } else if (type === "reset") {
      counters.resets += 1;
    } else if (type === "dropped") {
      counters.dropped += object.count || 1;
    } else if (type === "external") {
      onLiveEvent({ ...object, type: "db_write" });  // from another program: lights, has no seq
    }
  }

  const live = new StreamClient({}, {
    onEvent: onLiveEvent,
    onMarker: onLiveMarker,
    onState: (state, attempt) => {
      connection.state = state;
      connection.attempt = attempt;
      if (state === "open" && connection.refused) {
        connection.refused = 0;
        if ($("control-message").dataset.stream) message("", "");
      }
      renderConnection();
    },
    onRefused: (status) => {
      if (!connection.refused) {
        message(`The live stream was refused (${status}): the API needs the token: press Token…`, "error");
        $("control-message").dataset.stream = "refused";   // cleared with the message once open
      }
      connection.refused = status;
      renderConnection();
    },
  });

  /** live | connecting | reconnecting | behind | replaying */
  function connectionState() {
    if (connection.state === "connecting" || connection.state === "closed") return "connecting";
    if (connection.state === "reconnecting") return "reconnecting";
    if (replay.active) return "replaying";
    const now = Date.now();
    const lagging = now - counters.lastArrival < 2000 && clock.now() - counters.lastTimestamp * 1000 > BEHIND_LAG_MS;
    if (now - counters.lastGapAt < BEHIND_AFTER_GAP_MS || lagging) return "behind";
    return "live";
  }

  function renderConnection() {
    const state = connectionState();
    const box = $("connection");
    let text = state;
    if (state === "reconnecting") text = `reconnecting (attempt ${connection.attempt})`;
    if (state === "reconnecting" && connection.refused) text += ` — refused (${connection.refused}): the API needs the token: press Token…`;
    if (state === "behind") text = counters.lastTimestamp ? `behind (${Math.round(clock.now() / 1000 - counters.lastTimestamp)} s)` : "behind";
    if (box.textContent !== text) box.textContent = text;
    box.className = `state ${state}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Frame loop: replay, sphere; frame durations kept for the hook.

  // times: between animation frames (what fps is); work: the frame's own replay + render time.
  const frames = { times: new Float32Array(600), work: new Float32Array(600), next: 0, count: 0, last: 0 };
  let renderer;

  function frame(now) {
    const started = performance.now();
    replay.tick(now);
    renderer.render(now);
    if (frames.last) {
      frames.times[frames.next] = now - frames.last;
      frames.work[frames.next] = performance.now() - started;
      frames.next = (frames.next + 1) % frames.times.length;
      frames.count = Math.min(frames.count + 1, frames.times.length);
    }
    frames.last = now;
    requestAnimationFrame(frame);
  }

  /** The last `frames.count` entries of a frame ring, oldest first. */
  function recent(ring) {
    const out = [];
    for (let i = 0; i < frames.count; i++) out.push(ring[(frames.next - frames.count + i + ring.length) % ring.length]);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // The test hook.

  window.updaterView = {
    stats() {
      const tables = {};
      for (const [table, totals] of Object.entries(panels.tableTotals)) tables[table] = totals.total;
      return {
        connection: connectionState(),
        lastEventId: live.lastEventId,
        events: counters.events,
        gaps: counters.gaps,
        resets: counters.resets,
        connections: live.connections,
        orbs: field.count,
        overflowKeys: field.overflowKeys,
        litOrbs: field.litCount(performance.now()),
        tables,
        eventsPerSecond: panels.eventsPerSecond(),
        replay: { active: replay.active, collecting: replay.collecting, speed: replay.speed, played: replay.played, total: replay.collecting ? 0 : replay.total },
      };
    },
    seenSequences: () => seen.slice(),
    frameTimes: () => recent(frames.times),
    renderTimes: () => recent(frames.work),
    resetFrameTimes() {
      frames.count = 0;
      frames.next = 0;
    },
    debug: {
      disconnect: () => live.disconnect(),
    },
  };

  // ---------------------------------------------------------------------------------------------
  // Start: panels and polls, the frame loop, then the live stream and the heatmap's seed.
  //
  // The heatmap's history (GET events/activity, counts per minute) and the live stream meet at a
  // minute boundary M, so that nothing is counted twice or missed in between: the first
  // connection asks `since=M` (the server starts it at the first entry committed at or after M),
  // the seed fills only the minutes before M, and the stream only those from M on (`heatFrom`).
  // M is the start of the server's minute 2 s ago — in the past even with a clock error under
  // CLOCK_SKEW_MS, so the server's log has it (the server's clock is read from the first status
  // poll first). Hence the stream's first connection replays up to ~62 s of the log: those events
  // (committed before the page opened the stream, `counters.startedAt`) go to the heatmap only,
  // not the counters, the orbs or the rate chart. And the order of the seed and the stream no
  // longer matters. A first connection that drops before any numbered event asks `since=M` again
  // (Last-Event-ID, once there is one, wins over since=), so what was written while it was down is
  // not lost either.

  async function main() {
    renderer = new SphereRenderer($("sphere"), field);
    wireFilters();
    wireControls();
    wireReplay();
    panels.refreshCounters();
    const statusRead = pollStatus();
    pollExecutions();
    setInterval(pollStatus, 3000);
    setInterval(pollExecutions, 5000);
    setInterval(() => {
      panels.refreshCounters();
      panels.drawRateChart();
      renderReplay();
      renderConnection();
      $("orb-count").textContent = `${field.count} keys, ${renderer.litCount} lit${field.overflowKeys ? `, ${field.overflowKeys} sharing orbs` : ""}`;
    }, 500);
    setInterval(() => {
      panels.drawHotspots();
      panels.drawHeatmap();
    }, 2000);
    requestAnimationFrame(frame);
    await Promise.race([statusRead, sleep(2000)]);   // the server's clock (Date), if it answers
    const boundary = Math.floor((clock.now() - 2000) / 60000);
    panels.heatFrom = boundary;
    counters.startedAt = clock.now() / 1000;
    live.params = { since: String(boundary * 60) };
    live.start();
    try {
      panels.seedHeat(await getJSON("events/activity?minutes=60"));
    } catch (error) {
      service.readError = error.message;
    }
    panels.drawHeatmap();
  }

  main();
})();
