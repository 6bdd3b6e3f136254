/* iads report: the interactive map (Leaflet, SVG renderer, no tiles, no network).
   Data come from the inlined JSON block #iads-data; every text from it is escaped before it
   reaches innerHTML (tooltips) or set with textContent. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("iads-data").textContent);
  var M = D.map;
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function el(id) { return document.getElementById(id); }
  function option(sel, value, text) {
    var o = document.createElement("option");
    o.value = value; o.textContent = text; sel.appendChild(o); return o;
  }
  var ID_COLOURS = {friend: "#1f5fd1", assumed_friend: "#5b8ee6", hostile: "#d62728",
    suspect: "#ff7f0e", neutral: "#2ca02c", unknown: "#d4b000", pending: "#888888"};
  var KIND_COLOURS = {radar: "#0b3d91", launcher: "#b22222", command_post: "#6a3d9a",
    asset: "#1b7837", sensor: "#e08214"};
  function idColour(name) { return ID_COLOURS[name] || "#555"; }

  var renderer = L.svg({padding: 0.2});
  var map = L.map("map", {renderer: renderer, zoomSnap: 0.25, minZoom: 3, maxZoom: 12});
  map.attributionControl.setPrefix("Leaflet (BSD-2-Clause)");
  if (M.basemap.hillshade) {
    L.imageOverlay(M.basemap.hillshade, M.basemap.bounds, {
      attribution: "terrain: NOAA GLOBE, hillshade by iads; borders: Natural Earth",
      interactive: false, className: "hillshade"}).addTo(map);
  }
  L.polyline(M.basemap.borders, {color: "#333", weight: 0.8, interactive: false}).addTo(map);
  map.fitBounds(M.view, {padding: [10, 10]});
  L.control.scale({imperial: false}).addTo(map);

  var state = {variant: D.variants[0].name, target: null, h: 0, node: null, t: 0};
  var coverage = null;
  var rings = L.layerGroup().addTo(map);
  var sites = L.layerGroup().addTo(map);
  var tracks = L.layerGroup().addTo(map);

  var vSel = el("ctl-variant"), tSel = el("ctl-target"), altBox = el("ctl-alt");
  var nSel = el("ctl-node"), slider = el("ctl-time"), tLabel = el("ctl-time-label");
  D.variants.forEach(function (v) { option(vSel, v.name, v.label || v.name); });

  function drawCoverage() {
    var c = M.coverage[state.variant];
    var note = el("cov-note");
    if (!c || !el("ctl-cov").checked) {
      if (coverage) { map.removeLayer(coverage); coverage = null; }
      note.textContent = c ? "" : "coverage not computed for this variant";
      return;
    }
    var url = c.images[state.target][state.h];
    if (!coverage) {
      coverage = L.imageOverlay(url, c.bounds, {interactive: false, className: "coverage"});
      coverage.addTo(map);
    } else {
      coverage.setUrl(url); coverage.setBounds(L.latLngBounds(c.bounds));
    }
    coverage.getElement().setAttribute("data-layer",
      state.variant + "/" + state.target + "/" + c.heights[state.h]);
    var a = c.areas.detection_km2 ? c.areas.detection_km2[state.target][state.h] : null;
    var e = c.areas.engagement_km2 ? c.areas.engagement_km2[state.target][state.h] : null;
    note.textContent = state.target + " at " + c.heights[state.h] + " m " +
      c.reference.toUpperCase() + (a === null ? "" : ": detection " +
      Math.round(a).toLocaleString("en") + " km²") +
      (e === null ? "" : ", engagement " + Math.round(e).toLocaleString("en") + " km²");
  }

  function setupCoverage() {
    var c = M.coverage[state.variant];
    tSel.innerHTML = ""; altBox.innerHTML = "";
    if (!c) { tSel.disabled = true; drawCoverage(); return; }
    tSel.disabled = false;
    c.targets.forEach(function (t) { option(tSel, t, t); });
    if (c.targets.indexOf(state.target) < 0) { state.target = c.targets[0]; }
    tSel.value = state.target;
    if (state.h >= c.heights.length) { state.h = 0; }
    c.heights.forEach(function (h, i) {
      var lab = document.createElement("label");
      var r = document.createElement("input");
      r.type = "radio"; r.name = "alt"; r.value = String(i); r.checked = i === state.h;
      r.setAttribute("data-height", String(h));
      r.addEventListener("change", function () { state.h = i; drawCoverage(); });
      lab.appendChild(r); lab.appendChild(document.createTextNode(" " + h + " m"));
      altBox.appendChild(lab);
    });
    drawCoverage();
  }

  function drawStatic() {
    rings.clearLayers(); sites.clearLayers();
    if (el("ctl-rings").checked) {
      M.rings.forEach(function (r) {
        if (r.variant !== state.variant) { return; }
        L.circle([r.lat, r.lon], {radius: r.radius_km * 1000, color: "#222", weight: 1.2,
          dashArray: "6 5", fill: false}).bindTooltip(esc(r.label || (r.radius_km + " km")))
          .addTo(rings);
      });
    }
    if (el("ctl-sites").checked) {
      M.sites.forEach(function (s) {
        if (s.variant !== state.variant) { return; }
        L.circleMarker([s.lat, s.lon], {radius: 5, color: "#fff", weight: 1.5,
          fillColor: KIND_COLOURS[s.kind] || "#333", fillOpacity: 1})
          .bindTooltip(esc(s.label || s.id) + " <i>(" + esc(s.kind) + ")</i>").addTo(sites);
      });
    }
  }

  var T = null;  // per-track arrays of the selected variant and node
  function setupTracks() {
    var tr = M.tracks[state.variant];
    nSel.innerHTML = ""; T = null;
    if (!tr || !tr.nodes.length) {
      slider.disabled = true; nSel.disabled = true;
      tLabel.textContent = "no tracks for this variant";
      tracks.clearLayers();
      return;
    }
    slider.disabled = false; nSel.disabled = false;
    tr.nodes.forEach(function (n) { option(nSel, n, n); });
    if (tr.nodes.indexOf(state.node) < 0) { state.node = tr.nodes[0]; }
    nSel.value = state.node;
    var b = tr.by_node[state.node];
    T = b.tracks.map(function (name, i) {
      return {name: name, truth: b.truth[i], t: [], ll: [], alt: [], id: []};
    });
    for (var i = 0; i < b.k.length; i++) {
      var o = T[b.k[i]];
      o.t.push(b.t[i]); o.ll.push([b.lat[i], b.lon[i]]); o.alt.push(b.alt[i]);
      o.id.push(tr.identities[b.id[i]]);
    }
    slider.min = tr.t0; slider.max = tr.t1;
    slider.step = Math.max((tr.t1 - tr.t0) / 1000, 0.01);
    if (state.t < tr.t0 || state.t > tr.t1) { state.t = tr.t0 + (tr.t1 - tr.t0) / 2; }
    slider.value = state.t;
    drawTracks();
  }

  function lastIndex(a, t) {  // last i with a[i] <= t, or -1
    var lo = 0, hi = a.length - 1, r = -1;
    while (lo <= hi) { var m = (lo + hi) >> 1; if (a[m] <= t) { r = m; lo = m + 1; } else { hi = m - 1; } }
    return r;
  }

  function drawTracks() {
    tracks.clearLayers();
    if (!T) { return; }
    var t = state.t, trail = Number(el("ctl-trail").value) || 600, shown = 0;
    tLabel.textContent = "t = " + Math.round(t) + " s";
    if (!el("ctl-tracks").checked) { return; }
    T.forEach(function (o) {
      var j = lastIndex(o.t, t);
      if (j < 0 || o.t[j] < t - trail) { return; }
      var i0 = lastIndex(o.t, t - trail) + 1;
      var col = idColour(o.id[j]);
      if (j > i0) {
        L.polyline(o.ll.slice(i0, j + 1), {color: col, weight: 2, opacity: 0.8,
          className: "track"}).addTo(tracks);
      }
      L.circleMarker(o.ll[j], {radius: 4, color: col, weight: 2, fillOpacity: 0.9,
        className: "track-head"}).bindTooltip("track " + esc(o.name) + ": " + esc(o.id[j]) +
        " (truth " + esc(o.truth) + "), " + Math.round(o.alt[j]) + " m").addTo(tracks);
      shown++;
    });
    el("ctl-count").textContent = shown + " track(s) shown";
  }

  vSel.addEventListener("change", function () {
    state.variant = vSel.value; setupCoverage(); drawStatic(); setupTracks();
  });
  tSel.addEventListener("change", function () { state.target = tSel.value; drawCoverage(); });
  nSel.addEventListener("change", function () { state.node = nSel.value; setupTracks(); });
  slider.addEventListener("input", function () { state.t = Number(slider.value); drawTracks(); });
  el("ctl-trail").addEventListener("change", drawTracks);
  el("ctl-cov").addEventListener("change", drawCoverage);
  el("ctl-rings").addEventListener("change", drawStatic);
  el("ctl-sites").addEventListener("change", drawStatic);
  el("ctl-tracks").addEventListener("change", drawTracks);
  var timer = null;
  el("ctl-play").addEventListener("click", function () {
    if (timer) { clearInterval(timer); timer = null; el("ctl-play").textContent = "play"; return; }
    el("ctl-play").textContent = "pause";
    timer = setInterval(function () {
      var lo = Number(slider.min), hi = Number(slider.max);
      state.t = state.t >= hi ? lo : Math.min(hi, state.t + (hi - lo) / 200);
      slider.value = state.t; drawTracks();
    }, 100);
  });

  setupCoverage(); drawStatic(); setupTracks();
  window.iadsReadyMs = performance.now();  // since navigation start (benchmarks/bench_report.py)
  window.iadsReady = true;
  document.body.setAttribute("data-ready", "1");
})();
