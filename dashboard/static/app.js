// tagpulse first page: fetches figures from the JSON API and refreshes them
// when the server says they changed (server-sent events), or every 15 s when
// events are blocked. No inline script: the page's CSP forbids it.
"use strict";
(function () {
  const root = document.getElementById("campaign");
  if (!root) return;
  const name = root.dataset.campaign;
  const api = "/api/v1/campaigns/" + encodeURIComponent(name);
  const nf = new Intl.NumberFormat();
  const status = document.getElementById("status");

  async function get(path) {
    const r = await fetch(api + path, { headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error(path + ": " + r.status);
    return r.json();
  }
  function setFig(key, v) {
    const el = root.querySelector('[data-fig="' + key + '"]');
    if (el) el.textContent = nf.format(v || 0);
  }
  async function refresh() {
    try {
      const [c, days, countries] = await Promise.all([get(""), get("/days"), get("/totals?by=country")]);
      for (const k of ["posts", "participants", "reach"]) setFig("total." + k, c.totals[k]);
      const today = days.find((d) => d.day === c.today) || {};
      for (const k of ["posts", "participants", "reach"]) setFig("today." + k, today[k]);
      document.getElementById("today-label").textContent = c.today;
      drawDays(days);
      drawCountries(countries, c.totals.posts);
      status.textContent = "Updated " + new Date().toLocaleTimeString();
    } catch (e) {
      status.textContent = "Could not update: " + e.message;
    }
  }
  function drawDays(days) {
    const box = document.getElementById("days");
    const max = Math.max(1, ...days.map((d) => d.posts));
    box.replaceChildren(...days.map((d) => {
      const b = document.createElement("div");
      b.className = "bar";
      b.style.height = (100 * d.posts / max) + "%";
      b.title = d.day + ": " + nf.format(d.posts) + " posts";
      return b;
    }));
  }
  function drawCountries(rows, total) {
    const tb = document.querySelector("#countries tbody");
    tb.replaceChildren(...rows.map((r) => {
      const tr = document.createElement("tr");
      const cells = [r.country === "ZZ" ? "Unknown" : r.country, nf.format(r.posts),
        total ? (100 * r.posts / total).toFixed(1) + "%" : "–", nf.format(r.participants)];
      cells.forEach((v, i) => {
        const td = document.createElement("td");
        td.textContent = v;
        if (i > 0) td.className = "num";
        tr.append(td);
      });
      return tr;
    }));
  }
  refresh();
  let timer = setInterval(refresh, 15000);
  if (window.EventSource) {
    const es = new EventSource("/api/v1/events");
    es.addEventListener("changed", refresh);
    es.onopen = () => { clearInterval(timer); timer = setInterval(refresh, 60000); };
    es.onerror = () => { clearInterval(timer); timer = setInterval(refresh, 15000); };
  }
})();
