// tagpulse campaign page. Everything on it comes from the JSON API and is
// put into the page as text (never as HTML), so nothing a post says can run.
// Figures refresh when the server says they changed (server-sent events, at
// most every 20 s), or every 15 s when events are blocked; never while the
// tab is hidden. No inline script: the CSP forbids it.
"use strict";
(function () {
  const root = document.getElementById("campaign");
  if (!root) return;
  const ds = root.dataset;
  const M = JSON.parse(ds.msgs || "{}");
  const lang = ds.lang || "en", rtl = ds.dir === "rtl", tz = ds.timezone || "UTC";
  const viewerTZ = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const nf = new Intl.NumberFormat(lang);
  const pf = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
  const sf = new Intl.NumberFormat(lang, { style: "percent", maximumSignificantDigits: 2 });
  const cf = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0, signDisplay: "exceptZero" });
  const dateF = new Intl.DateTimeFormat(lang, { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
  const shortDay = new Intl.DateTimeFormat(lang, { month: "short", day: "numeric", timeZone: "UTC" });
  const shortDayYear = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
  const regions = names("region"), langs = names("language");
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  // The page opens on the campaign's default day: today while it runs,
  // else its last day with posts (the server decides; see defaultDay).
  let state = { day: ds.day || ds.today, from: "", to: "", compare: "", zone: "campaign" };

  function names(type) {
    try { return new Intl.DisplayNames([lang], { type }); } catch (e) { return null; }
  }
  // t looks a message up and fills its {placeholders}.
  function t(key, args) {
    let s = M[key] || key;
    for (const k in args || {}) s = s.split("{" + k + "}").join(String(args[k]));
    return s;
  }
  const n = (v) => nf.format(v || 0);
  // tn is t for a count: the message's plural form for n as the language's
  // rules give it (Intl.PluralRules: Arabic has zero, one, two, few, many
  // and other), "other" when the catalogue lacks that form; {n} is n.
  const plurals = new Intl.PluralRules(lang);
  function tn(key, count, args) {
    const f = key + "." + plurals.select(count || 0);
    return t(f in M ? f : key + ".other", Object.assign({ n: n(count) }, args));
  }
  const fmtDay = (d) => d ? dateF.format(new Date(d + "T00:00:00Z")) : "";
  // dayLabels formats days for a chart's axis: with the year when they span
  // more than one, or are not of the campaign's current year.
  function dayLabels(days) {
    const years = new Set(days.map((d) => d.slice(0, 4)));
    const f = years.size > 1 || (years.size === 1 && !years.has(ds.today.slice(0, 4))) ? shortDayYear : shortDay;
    return (d) => f.format(new Date(d + "T00:00:00Z"));
  }
  function country(cc) {
    if (cc === "ZZ") return t("country.unknown");
    try { return (regions && regions.of(cc)) || cc; } catch (e) { return cc; }
  }
  function label(dim, v) {
    if (dim === "country") return country(v);
    if (dim === "kind" || dim === "source" || dim === "method" || dim === "arrival") return M[dim + "." + v] || v;
    if (dim === "lang") {
      if (v === "und") return t("lang.und");
      try { return (langs && langs.of(v)) || v; } catch (e) { return v; }
    }
    return v;
  }
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // isolated splits a post's text into text nodes and <bdi> elements, one
  // for each hashtag and handle, so that a Latin #AllForPalestine at the end
  // of an Arabic post reads "#AllForPalestine", not "AllForPalestine#".
  const TAG = /([#＃][\p{L}\p{M}\p{N}_\u200c\u200d]+|@[\p{L}\p{N}_.\-]+(?:@[\p{L}\p{N}_.\-]+)?)/u;
  function isolated(s) {
    // split with a capturing group: the odd parts are the matches.
    return s.split(TAG).map((x, i) => i % 2 ? el("bdi", x) : document.createTextNode(x));
  }
  // safeURL keeps only http(s) links: a post's URL is someone else's text.
  function safeURL(u) {
    try { const x = new URL(u); return x.protocol === "https:" || x.protocol === "http:" ? x.href : ""; } catch (e) { return ""; }
  }
  async function get(base, path) {
    const r = await fetch(base + path, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!r.ok) throw new Error(path + ": " + r.status);
    return r.json();
  }
  const api = (path) => get(ds.api, path);
  function qs(o) {
    const p = new URLSearchParams();
    for (const k in o) if (o[k]) p.set(k, o[k]);
    const s = p.toString();
    return s ? "?" + s : "";
  }

  // Charts are drawn left to right inside (style.css gives them direction:
  // ltr, so "start" is left); in a right-to-left page they are mirrored:
  // time runs from the right and the value axis stands on the right.
  const W = 600, H = 220, TOP = 10, BOTTOM = 28, EDGE = 8, PAD = 6;
  // textWidth is the widest of texts as the chart draws them (user units);
  // estimated from their length while the chart is not laid out.
  function textWidth(box, texts) {
    const probes = texts.map((s) => svg("text", { class: "axis", x: 0, y: -100 }, s));
    box.append(...probes);
    let w = 0;
    for (const p of probes) { try { w = Math.max(w, p.getComputedTextLength()); } catch (e) { /* not drawn */ } }
    if (!w && probes.length) {
      const size = parseFloat(getComputedStyle(probes[0]).fontSize) || 11;
      w = Math.max(...texts.map((s) => s.length)) * size * 0.62;
    }
    for (const p of probes) p.remove();
    return w;
  }
  // frame draws the value axis: grid lines and labels for 0, half and the
  // maximum, in a margin as wide as its widest label, so no bar or point
  // covers them. It returns the plot's left and right edges and the scale.
  function frame(box, max) {
    box.replaceChildren();
    const vals = [0, 0.5, 1].map((f) => Math.round(max * f));
    const gutter = Math.ceil(textWidth(box, vals.map(n))) + 2 * PAD;
    const left = rtl ? EDGE : gutter, right = rtl ? W - gutter : W - EDGE;
    const y = (v) => H - BOTTOM - (H - TOP - BOTTOM) * v / max;
    const kids = [];
    for (const v of vals) {
      kids.push(svg("line", { x1: left, x2: right, y1: y(v), y2: y(v), class: "grid" }));
      kids.push(svg("text", { x: rtl ? right + PAD : left - PAD, y: y(v) + 4, class: "axis y", "text-anchor": rtl ? "start" : "end" }, n(v)));
    }
    return { left, right, y, kids };
  }
  // every is how many items apart the time labels must be so they do not
  // run into each other: at most `most` labels, and room for the widest.
  // The first label is centred on the first item, and keepInside moves it
  // inwards by up to half its width when it sticks out, so the second must
  // stand far enough away not to be dropped. With nice, the count is one
  // that divides a day's 24 hours (every 3 or 6 hours, not every 5).
  function every(box, labels, width, most, nice) {
    const tw = textWidth(box, [...new Set(labels)].slice(0, 50));
    const step = width / Math.max(1, labels.length);
    const room = Math.max(tw + 8, 1.5 * tw + 4 - step / 2);
    let each = Math.max(1, Math.ceil(labels.length / most), Math.ceil(room / step));
    if (nice) each = [1, 2, 3, 4, 6, 8, 12, 24].find((k) => k >= each) || each;
    return each;
  }
  // keepInside moves time labels that would stick out of the plot (into the
  // value axis's margin, or out of the chart) back in, between left and
  // right; a label so moved that it would touch its neighbour is dropped.
  function keepInside(box, left, right) {
    const placed = [];
    const labels = [...box.querySelectorAll("text.x")];
    // From the plot's edges inwards, so the first and last labels stay.
    labels.sort((a, b) => Math.abs(+a.getAttribute("x") - (left + right) / 2) > Math.abs(+b.getAttribute("x") - (left + right) / 2) ? -1 : 1);
    for (const t of labels) {
      let b;
      try { b = t.getBBox(); } catch (e) { continue; /* not drawn */ }
      if (!b.width) continue;
      const shift = b.x < left ? left - b.x : b.x + b.width > right ? right - b.x - b.width : 0;
      if (shift) t.setAttribute("x", +t.getAttribute("x") + shift);
      const x0 = b.x + shift, x1 = x0 + b.width;
      if (placed.some(([p0, p1]) => x0 < p1 + 4 && p0 < x1 + 4)) { t.remove(); continue; }
      placed.push([x0, x1]);
    }
  }
  // bars draws a bar chart into an SVG: items {label, value, title, value2}.
  function bars(box, items, opts) {
    const max = Math.max(1, ...items.map((i) => Math.max(i.value, i.value2 || 0)));
    const f = frame(box, max), y = f.y;
    const step = (f.right - f.left) / Math.max(1, items.length);
    const x = (i) => rtl ? f.right - (i + 1) * step : f.left + i * step;
    const kids = f.kids;
    const each = every(box, items.map((it) => it.label), f.right - f.left, opts.labels || 12, opts.nice);
    items.forEach((it, i) => {
      const g = svg("g", {});
      const bw = Math.max(1, step * (it.value2 !== undefined ? 0.45 : 0.8));
      const r = svg("rect", { x: x(i) + step * 0.1, y: y(it.value), width: bw, height: Math.max(0, H - BOTTOM - y(it.value)), class: "bar", "data-value": it.value });
      r.append(svg("title", {}, it.title));
      g.append(r);
      if (it.value2 !== undefined) {
        const r2 = svg("rect", { x: x(i) + step * 0.1 + bw, y: y(it.value2), width: bw, height: Math.max(0, H - BOTTOM - y(it.value2)), class: "bar2" });
        r2.append(svg("title", {}, it.title2 || ""));
        g.append(r2);
      }
      if (i % each === 0) g.append(svg("text", { x: x(i) + step / 2, y: H - 10, class: "axis x", "text-anchor": "middle" }, it.label));
      kids.push(g);
    });
    box.replaceChildren(...kids);
    keepInside(box, f.left, f.right);
  }
  function line(box, pts) {
    const max = Math.max(1, ...pts.map((p) => p.value));
    const f = frame(box, max), y = f.y;
    const step = (f.right - f.left) / Math.max(1, pts.length - 1);
    const x = (i) => rtl ? f.right - i * step : f.left + i * step;
    const kids = f.kids;
    kids.push(svg("polyline", { points: pts.map((p, i) => x(i) + "," + y(p.value)).join(" "), class: "line" }));
    const each = every(box, pts.map((p) => p.label), f.right - f.left, 8);
    pts.forEach((p, i) => {
      const c = svg("circle", { cx: x(i), cy: y(p.value), r: 3, class: "dot" });
      c.append(svg("title", {}, p.title));
      kids.push(c);
      if (i % each === 0) kids.push(svg("text", { x: x(i), y: H - 10, class: "axis x", "text-anchor": "middle" }, p.label));
    });
    box.replaceChildren(...kids);
    keepInside(box, f.left, f.right);
  }

  // zoneOffset is tz's UTC offset in ms at instant ms.
  function zoneOffset(ms, zone) {
    const p = {};
    for (const x of new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(ms))) p[x.type] = x.value;
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
  }
  // dayHours lists the starts (ms) of the campaign zone's clock hours in a
  // campaign day: 24, or 23 or 25 when the clocks change.
  function dayHours(day) {
    const [y, m, d] = day.split("-").map(Number);
    const local = (ms) => { const s = ms - zoneOffset(ms, tz); return ms - zoneOffset(s, tz); };
    const s = local(Date.UTC(y, m - 1, d));
    const e = local(Date.UTC(y, m - 1, d + 1));
    const out = [];
    for (let h = s; h < e && out.length < 26; h += 3600000) out.push(h);
    return out;
  }

  // zoneDayHours lists the hour starts of day (YYYY-MM-DD) in zone: from
  // its local midnight to the next.
  function zoneDayHours(day, zone) {
    const [y, m, d] = day.split("-").map(Number);
    const offset = (ms) => {
      const p = {};
      for (const x of new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).formatToParts(new Date(ms))) p[x.type] = x.value;
      return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute) - ms;
    };
    const local = (utc) => { let ms = utc - offset(utc); ms = utc - offset(ms); return ms; };
    const s = local(Date.UTC(y, m - 1, d)), e = local(Date.UTC(y, m - 1, d + 1));
    const out = [];
    for (let h = s; h < e && out.length < 26; h += 3600000) out.push(h);
    return out;
  }

  // table fills a table's body: cells after the first are numbers (aligned
  // to the end) unless opts.text; opts.empty says why there are no rows.
  function table(id, rows, cols, opts) {
    const o = opts || {};
    const tb = document.querySelector("#" + id + " tbody");
    if (!rows.length) {
      const tr = el("tr");
      const td = el("td", o.empty || t("empty"), "muted");
      td.colSpan = cols;
      tr.append(td);
      tb.replaceChildren(tr);
      return;
    }
    tb.replaceChildren(...rows.map((cells) => {
      const tr = el("tr");
      cells.forEach((c, i) => {
        const td = el("td");
        if (c instanceof Node) td.append(c); else td.textContent = c;
        if (i > 0 && !o.text && !(c instanceof Node)) td.className = "num";
        tr.append(td);
      });
      return tr;
    }));
  }

  function headline(h) {
    const today = h.is_today;
    $("head-title").textContent = today ? t("head.today", { day: fmtDay(h.day) }) : t("head.day", { day: fmtDay(h.day) });
    const cur = { posts: h.figures.posts, participants: h.figures.participants, reach: h.figures.reach, countries: h.countries };
    const prev = { posts: h.previous.posts, participants: h.previous.participants, reach: h.previous.reach, countries: h.previous_countries };
    const st = h.same_time_yesterday;
    const until = st ? new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone: tz }).format(new Date(st.until)) : "";
    for (const k in cur) {
      const f = root.querySelector('[data-fig="' + k + '"]');
      f.textContent = n(cur[k]);
      f.dataset.value = cur[k] || 0;
      // "1 Post", "2 Posts"; in Arabic the form of the noun follows the count.
      if (("label." + k + ".other") in M) f.parentNode.querySelector(".l").textContent = tn("label." + k, cur[k]);
      const change = (a, b) => b ? " (" + cf.format((a - b) / b) + ")" : "";
      root.querySelector('[data-cmp="' + k + '.prev"]').textContent =
        t(today ? "cmp.yesterday" : "cmp.day_before", { n: n(prev[k]) }) + change(cur[k], prev[k]);
      const same = root.querySelector('[data-cmp="' + k + '.same"]');
      same.textContent = !st ? "" : t(st.whole_day ? "cmp.all_yesterday" : "cmp.same_time", { time: until, n: n(st[k]) }) + change(cur[k], st[k]);
    }
    collection(h.collection);
  }
  // collection says whether the campaign is being collected, so a stopped
  // collection does not read as a quiet hashtag: the state in plain words,
  // each failing source's reason, and the raw errors behind a toggle.
  function collection(c) {
    const box = $("collection");
    if (!c) { box.hidden = true; return; }
    const hm = (v) => new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone: tz }).format(new Date(v));
    box.hidden = false;
    box.dataset.state = c.state;
    const failing = (c.sources || []).filter((s) => !s.ok);
    const reasons = failing.map((s) => {
      const platform = M["source." + s.source] || s.source;
      const key = "reason." + (s.reason || "other");
      return t(key, { host: s.host || platform, platform, status: s.status || "" });
    });
    const key = "coll." + c.state;
    let text = t(key, { time: c.since ? hm(c.since) : c.until ? hm(c.until) : "" });
    if (reasons.length) text += " " + [...new Set(reasons)].join(" · ");
    $("collection-state").textContent = text;
    const details = $("collection-details");
    details.hidden = !failing.length;
    $("collection-sources").replaceChildren(...failing.map((s, i) => {
      const li = el("li");
      const name = el("bdi", s.name);
      const raw = el("code", s.error || "");
      raw.dir = "ltr";
      li.append(name, ": " + reasons[i] + (s.error ? " — " : ""), raw);
      return li;
    }));
  }
  // thin says, beside a figure, what a source cannot know: a platform
  // without locations puts its posts under Unknown, one without follower
  // counts adds no reach, one without authors adds no participants.
  const NO_LOCATION = ["bluesky", "instagram", "threads", "youtube"];
  function thin(src) {
    const rows = src.rows, total = src.total;
    const notes = { posts: [], participants: [], reach: [], countries: [] };
    for (const r of rows) {
      if (!r.posts) continue;
      const name = M["source." + r.source] || r.source;
      if (NO_LOCATION.includes(r.source)) notes.countries.push(t("thin.location", { source: name, share: pf.format(total ? r.posts / total : 0) }));
      if (r.participants === 0) notes.participants.push(t("thin.authors", { source: name, n: n(r.posts) }));
      else if (r.reach === 0) notes.reach.push(t("thin.reach", { source: name, n: n(r.posts) }));
    }
    for (const k in notes) {
      const e = root.querySelector('[data-thin="' + k + '"]');
      if (e) e.textContent = notes[k].join(" ");
    }
    const un = $("unknown-note");
    if (notes.countries.length && un.textContent) un.textContent += " " + notes.countries.join(" ");
  }

  // dayEmpty and rangeEmpty say there are no posts: "yet" only where more
  // may still come (today, or a range or campaign that has not ended).
  const dayEmpty = () => t(state.day < ds.today ? "empty.day" : "empty");
  function rangeEmpty() {
    const end = state.from || state.to ? state.to : ds.last;
    return t(end && end < ds.today ? "empty.range" : "empty");
  }
  function inRange(d) {
    return (!state.from || d >= state.from) && (!state.to || d <= state.to);
  }
  function days(all, other, zone) {
    const rows = all.filter((d) => inRange(d.day));
    const zn = $("days-zone-note");
    zn.hidden = zone === tz;
    zn.textContent = zone === tz ? "" : t("note.days_zone", { zone }) + (all.some((d) => d.split) ? " " + t("note.days_split") : "");
    $("chart-days").dataset.zone = zone;
    // Today, in the zone the days are in.
    const today = zone === tz ? ds.today : new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
    const first = all.length ? all[0].day : "";
    const dayLabel = dayLabels(rows.map((d) => d.day));
    const items = rows.map((d) => ({ label: dayLabel(d.day), value: d.posts, title: fmtDay(d.day) + ": " + n(d.posts) }));
    const note = $("compare-note");
    if (other) {
      // Align by campaign day: day i of this campaign against day i of the other.
      const offset = (d) => Math.round((Date.parse(d) - Date.parse(first)) / 86400000);
      rows.forEach((d, i) => {
        const o = other.rows[offset(d.day)];
        items[i].value2 = o ? o.posts : 0;
        items[i].title2 = t("note.campaign_day", { n: n(offset(d.day) + 1) }) + " · " + (o ? fmtDay(o.day) + ": " + n(o.posts) : "–");
      });
      note.hidden = false;
      note.textContent = t("note.compare") + ": " + other.title;
    } else {
      note.hidden = true;
    }
    bars($("chart-days"), items, { labels: 10 });
    let sum = 0;
    const upToToday = all.filter((d) => d.day <= today);
    const cumLabel = dayLabels(upToToday.map((d) => d.day));
    line($("chart-cum"), upToToday.map((d) => {
      sum += d.new_participants || 0;
      return { label: cumLabel(d.day), value: sum, title: fmtDay(d.day) + ": " + n(sum) };
    }));
  }
  // hours draws the chosen day's hours. In the viewer's zone the chart is
  // the viewer's day: the hours from their midnight to the next, which may
  // reach into the campaign days before and after (rows holds those too).
  function hours(rows) {
    const by = {};
    for (const r of rows) by[Date.parse(r.hour)] = (by[Date.parse(r.hour)] || 0) + r.posts;
    const zone = state.zone === "viewer" ? viewerTZ : tz;
    const hf = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone: zone });
    const span = zone === tz ? dayHours(state.day) : zoneDayHours(state.day, zone);
    $("chart-hours").dataset.zone = zone;
    $("chart-hours").dataset.first = span.length ? new Date(span[0]).toISOString() : "";
    bars($("chart-hours"), span.map((h) => {
      const label = hf.format(new Date(h));
      return { label, value: by[h] || 0, title: label + ": " + n(by[h] || 0) };
    }), { labels: 8, nice: true });
    $("hours-title").textContent = t("sec.hours", { day: fmtDay(state.day) });
  }
  function dim(d, rows) {
    const sum = {};
    let total = 0;
    for (const r of rows) { sum[r[d]] = (sum[r[d]] || 0) + r.posts; total += r.posts; }
    const list = Object.keys(sum).sort((a, b) => sum[b] - sum[a] || (a < b ? -1 : 1));
    // Long lists are cut to the first rows; Unknown is always kept.
    const cut = list.length > LONG + 2 && !expanded[d];
    const shown = cut ? list.filter((v, i) => i < LONG || v === "ZZ") : list;
    table("t-" + d, shown.map((v) => {
      const name = el("span", label(d, v));
      name.dir = "auto";
      return [name, n(sum[v]), total ? pf.format(sum[v] / total) : "–"];
    }), 3, { empty: rangeEmpty() });
    if (list.length > LONG + 2) {
      const tr = el("tr"), td = el("td"), btn = el("button", cut ? t("more", { n: n(list.length) }) : t("less"), "more");
      btn.type = "button";
      btn.addEventListener("click", () => { expanded[d] = !expanded[d]; dim(d, rows); });
      td.colSpan = 3;
      td.append(btn);
      tr.append(td);
      document.querySelector("#t-" + d + " tbody").append(tr);
    }
    return { sum, total };
  }
  const LONG = 15, expanded = {};
  let world = null;
  async function map(sum, total) {
    if (!world) world = await get("", ds.world || "/static/world.json");
    const box = $("map");
    const max = Math.max(1, ...Object.keys(sum).filter((c) => c !== "ZZ").map((c) => sum[c]));
    const s = svg("svg", { viewBox: "0 0 " + world.width + " " + world.height, class: "world" });
    for (const cc in world.paths) {
      const v = sum[cc] || 0;
      const level = v ? 1 + Math.min(4, Math.floor(5 * Math.log(1 + v) / Math.log(1 + max))) : 0;
      const p = svg("path", { d: world.paths[cc], class: "c l" + level, "data-cc": cc });
      p.append(svg("title", {}, country(cc) + ": " + n(v)));
      s.append(p);
    }
    box.replaceChildren(s);
    const share = pf.format(total ? (sum.ZZ || 0) / total : 0);
    $("map-note").textContent = total ? t("note.map", { share }) : "";
    $("unknown-note").textContent = total ? t("note.unknown", { share }) : t("note.no_posts");
  }
  // disputed says how many of the Unknown posts name a disputed place
  // (bare "Jerusalem"), and shows the override that settles it.
  function disputed(count, total) {
    const box = $("disputed-note");
    box.hidden = !count;
    box.dataset.count = String(count);
    box.firstElementChild.textContent = count ? t("note.disputed", { n: n(count), share: pf.format(total ? count / total : 0) }) : "";
  }
  function top(tp) {
    // No posts is said in a paragraph, not as the list's item 1.
    const list = $("top-posts"), none = $("no-posts");
    list.hidden = !tp.posts.length;
    none.hidden = !list.hidden;
    none.textContent = dayEmpty();
    list.replaceChildren(...tp.posts.slice(0, 10).map((p) => {
      const li = el("li");
      const meta = el("div", "", "meta");
      meta.append(el("bdi", p.author || ""), " · " + label("kind", p.kind) + " · " + country(p.country || "ZZ") + " · " + t("col.engagement") + " " + n(p.engagement) + " ");
      const u = safeURL(p.url);
      if (u) {
        const a = el("a", t("open"));
        a.href = u;
        a.rel = "noopener noreferrer nofollow";
        a.target = "_blank";
        meta.append(a);
      }
      const text = el("p", undefined, "text");
      text.append(...isolated(p.text || ""));
      text.dir = "auto";
      li.append(meta, text);
      return li;
    }));
    table("t-participants", tp.participants.map((p) => [el("bdi", p.handle || p.author), n(p.posts), n(p.followers)]), 3, { empty: dayEmpty() });
    table("t-loudest", (tp.loudest || []).slice(0, 10).map((p) => [el("bdi", p.handle || p.author), n(p.followers), sf.format(p.reach_share || 0)]), 3, { empty: dayEmpty() });
    table("t-new-voices", (tp.new_voices || []).slice(0, 10).map((p) => [el("bdi", p.handle || p.author), n(p.posts), n(p.followers)]), 3, { empty: dayEmpty() });
    for (const [id, key] of [["top-posts-title", "sec.top_posts"], ["top-parts-title", "sec.top_participants"], ["loudest-title", "sec.loudest"], ["new-voices-title", "sec.new_voices"], ["cross-title", "compl.crosscheck"]]) $(id).textContent = t(key, { day: fmtDay(state.day) });
  }
  function completeness(sources, cross, unknown, total) {
    $("no-country").textContent = total ? t("compl.no_country", { share: pf.format(unknown / total) }) : t("note.no_posts");
    const list = Array.isArray(sources) ? sources : [];
    $("no-sources").hidden = list.length > 0;
    const tf = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
    const when = (v) => { const d = Date.parse(v); return isNaN(d) ? (v ? String(v) : "–") : tf.format(new Date(d)); };
    // Rows are collector.SourceHealth: name, source, state, last_success,
    // last_error {message, at}, waiting_for_reset_until, consecutive_errors,
    // rate_limit {limit, remaining}, warnings, stored {added, duplicate}.
    table("t-sources", list.map((s) => {
      const name = el("bdi", String(s.name || s.source || "?"));
      let st = M["state." + s.state] || String(s.state || "");
      if (s.waiting_for_reset_until && Date.parse(s.waiting_for_reset_until) > Date.now()) st = t("compl.rate_limited", { time: when(s.waiting_for_reset_until) });
      else if (s.consecutive_errors > 0 && s.last_error && s.last_error.message) st += " · " + t("compl.error", { error: s.last_error.message || "" });
      // warnings: what the source holds back while it works (an Instagram
      // hashtag past the 7-day limit).
      const rl = s.rate_limit;
      if (rl && rl.limit > 0) st += " · " + t("compl.rate_left", { remaining: n(rl.remaining), limit: n(rl.limit) });
      for (const w of Array.isArray(s.warnings) ? s.warnings : []) st += " · " + t("compl.warning", { warning: String(w) });
      // stored: what the source brought over the store's life (a public
      // link leaves it out for a shared collector).
      const seen = s.stored ? t("compl.posts_seen", { seen: n(s.stored.added + s.stored.duplicate), added: n(s.stored.added) }) : "–";
      return [name, when(s.last_success), seen, st];
    }), 4, { text: true });
    $("t-sources").hidden = list.length === 0;
    $("no-cross").hidden = cross.sources.length > 0;
    $("t-cross").hidden = cross.sources.length === 0;
    table("t-cross", cross.sources.map((c) => [label("source", c.source), n(c.platform), n(c.collected)]), 3);
  }
  function links() {
    for (const a of root.querySelectorAll("a[data-csv]")) {
      const q = { format: "csv" };
      if (a.dataset.daily) q.day = state.day;
      if (a.dataset.list) q.list = a.dataset.list;
      let path = a.dataset.csv;
      if (a.dataset.by) {
        q.by = a.dataset.by;
        path = "/days";
        if (state.from || state.to) { q.from = state.from; q.to = state.to; } else { q.from = q.to = state.day; }
      } else if (path === "/days") { q.from = state.from; q.to = state.to; }
      a.href = ds.api + path + qs(q);
    }
    $("card-link").href = ds.api + "/card.svg" + qs({ day: state.day, lang });
    $("card-png-link").href = ds.api + "/card.png" + qs({ day: state.day, lang });
  }

  async function refresh() {
    const status = $("status");
    try {
      const ranged = state.from || state.to;
      // The tables follow the chosen day, or the From–To range when one is set.
      const dimPath = (d) => "/days" + (ranged ? qs({ by: d, from: state.from, to: state.to }) : qs({ by: d, from: state.day, to: state.day }));
      $("scope").textContent = ranged ? t("scope.range", { from: fmtDay(state.from || (state.to && "")) || "…", to: fmtDay(state.to) || "…" }) : t("scope.day", { day: fmtDay(state.day) });
      // In the viewer's zone the day's chart spans the viewer's day, which
      // may reach into the campaign days either side.
      const hourDays = state.zone === "viewer" && viewerTZ !== tz ? [shiftDay(state.day, -1), state.day, shiftDay(state.day, 1)] : [state.day];
      // So does the day chart: the viewer's days, from the hours (posts
      // only; the API says where an hour spans the viewer's midnight).
      const viewerDays = state.zone === "viewer" && viewerTZ !== tz;
      const [c, all, h, hrs, tp, countries, src, arr, kind, lng, meth, sources, cross] = await Promise.all([
        api(""), api(viewerDays ? "/days?zone=" + encodeURIComponent(viewerTZ) : "/days"), api("/headline?day=" + state.day), Promise.all(hourDays.map((d) => api("/hours?day=" + d))), api("/top?day=" + state.day),
        api(dimPath("country")), api(dimPath("source")), api(dimPath("arrival")), api(dimPath("kind")), api(dimPath("lang")), api(dimPath("method")),
        get(ds.sources, ""), api("/crosscheck?day=" + state.day)]);
      const hr = [].concat(...hrs);
      let other = null;
      if (state.compare) {
        const base = ds.api.replace(/[^/]+$/, encodeURIComponent(state.compare));
        const [oc, od] = await Promise.all([get(base, ""), get(base, "/days")]);
        other = { title: oc.title || oc.name, rows: od };
      }
      ds.today = c.today;
      if (c.default_day && c.default_day !== ds.day) {
        // The default day moved (midnight, or the campaign's first posts):
        // follow it unless another day was chosen.
        const follow = state.day === ds.day;
        ds.day = c.default_day;
        if (follow) { state.day = ds.day; $("day").value = ds.day; return refresh(); }
      }
      // The reset button goes to the default day: "Today" only when it is.
      $("reset").textContent = t(ds.day === ds.today ? "ctl.reset" : "ctl.latest");
      headline(h);
      days(all, other, viewerDays ? viewerTZ : tz);
      hours(hr);
      const cs = dim("country", countries);
      const ss = dim("source", src); dim("arrival", arr); dim("kind", kind); dim("lang", lng); const ms = dim("method", meth);
      top(tp);
      completeness(sources, cross, cs.sum.ZZ || 0, cs.total);
      await map(cs.sum, cs.total);
      disputed(ms.sum.disputed || 0, cs.total);
      thin({ rows: bySource(src), total: ss.total });
      links();
      status.textContent = t("status.updated", { time: new Date().toLocaleTimeString(lang) }) + " · " + (live ? t("status.live") : t("status.polling", { n: n(15) }));
      root.dataset.updated = String(Date.now());
      root.dataset.refreshes = String((+root.dataset.refreshes || 0) + 1);
    } catch (e) {
      status.textContent = t("status.error", { error: e.message });
    }
  }

  // shiftDay is the day n days after day (YYYY-MM-DD).
  function shiftDay(day, k) {
    const d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + k);
    return d.toISOString().slice(0, 10);
  }
  // bySource adds up rows by source (a range has one row per day and source).
  function bySource(rows) {
    const m = {};
    for (const r of rows) {
      const x = m[r.source] || (m[r.source] = { source: r.source, posts: 0, participants: 0, reach: 0 });
      x.posts += r.posts; x.participants += r.participants; x.reach += r.reach;
    }
    return Object.values(m);
  }

  let running = null, again = false;
  // update runs refresh, one at a time; a change during a run asks for one more.
  // Nothing starts while the tab is hidden (a "changed" event or a timer
  // that fired just before); data-busy marks a run in flight, so a test can
  // tell a refresh that began before the tab was hidden from a new one.
  function update() {
    if (document.hidden) { again = false; return; }
    if (running) { again = true; return; }
    root.dataset.busy = "1";
    running = refresh().finally(() => {
      running = null; delete root.dataset.busy;
      if (again) { again = false; update(); }
    });
  }

  $("zone-viewer").textContent = t("ctl.zone_viewer", { zone: viewerTZ });
  $("controls").addEventListener("submit", (e) => {
    e.preventDefault();
    state.day = $("day").value || ds.day;
    state.from = $("from").value;
    state.to = $("to").value;
    if (state.from && state.to && state.from > state.to) [state.from, state.to] = [state.to, state.from];
    update();
  });
  $("reset").addEventListener("click", () => {
    state.day = ds.day; state.from = state.to = "";
    $("day").value = ds.day; $("from").value = ""; $("to").value = "";
    update();
  });
  const cmp = $("compare");
  if (cmp) cmp.addEventListener("change", () => { state.compare = cmp.value; update(); });
  for (const r of root.querySelectorAll('input[name="zone"]')) r.addEventListener("change", () => { state.zone = r.value; update(); });

  // Live updates cost a phone's data: a "changed" event is followed by a
  // refresh at once when none came for LIVE_GAP ms, else
  // LIVE_GAP after the last one (events come up to once a second on a
  // busy day), answers that did not change come back as 304s (the API's
  // ETags), and nothing is fetched while the tab is hidden: the event
  // stream is closed then and opened again, with a refresh, when it shows.
  const LIVE_GAP = 20000, POLL = 15000;
  let live = false, es = null, timer = null, pending = null, lastRun = 0;
  function soon() {
    if (pending || document.hidden) return;
    const wait = Math.max(0, lastRun + LIVE_GAP - Date.now());
    pending = setTimeout(() => { pending = null; lastRun = Date.now(); update(); }, wait);
  }
  function poll(ms) { clearInterval(timer); timer = setInterval(update, ms); }
  function connect() {
    poll(POLL);
    if (!window.EventSource) return;
    es = new EventSource(ds.events);
    es.addEventListener("changed", soon);
    es.onopen = () => { live = true; poll(4 * POLL); };
    es.onerror = () => { live = false; poll(POLL); };
  }
  function pause() {
    clearInterval(timer); timer = null;
    clearTimeout(pending); pending = null;
    if (es) { es.close(); es = null; }
    live = false;
    root.dataset.paused = "1";
  }
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) { pause(); return; }
    delete root.dataset.paused;
    connect();
    update();
  });
  if (document.hidden) pause(); else connect();
  update();
})();
