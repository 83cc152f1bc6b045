/* Pelanggan console: the meter section of the 360° page and its load-profile chart.
 *
 * [data-meter-section][data-src]: fetched with "HX-Request: true" and put in place.
 * [data-load-profile][data-url]: an SVG chart of GET <data-url>?resolution=&start=&end= (the
 * load-profile API, session-authenticated). Interval view: a line, estimated stretches dashed with
 * hollow markers, missing intervals leave a gap. Daily/monthly: bars, estimated bars hatched.
 * Zoom with the wheel, the +/− buttons or the keys + and −; pan by dragging or with the arrow
 * keys; double-click or 0 resets. No inline script or style: texts come from data-text-*
 * attributes, positions are set through the CSSOM. */
(function () {
  "use strict";
  var doc = document;
  var SVG = "http://www.w3.org/2000/svg";
  var HEIGHT = 290, M = { left: 58, right: 18, top: 26, bottom: 40 };
  var WIB_OFFSET = 7 * 3600e3;  // WIB has no daylight saving time
  var MIN_SPAN = { interval: 2 * 3600e3, daily: 3 * 86400e3, monthly: 62 * 86400e3 };
  var DAY = 86400e3;

  function el(name, attrs, parent) {
    var node = doc.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(root, key) { return root.getAttribute("data-text-" + key) || ""; }

  function Chart(root) {
    this.root = root;
    this.url = root.getAttribute("data-url");
    this.resolution = root.getAttribute("data-resolution") || "interval";
    this.locale = (root.getAttribute("data-lang") || "id").indexOf("en") === 0 ? "en-GB" : "id-ID";
    this.plot = root.querySelector("[data-lp-plot]");
    this.tooltip = root.querySelector("[data-lp-tooltip]");
    this.summary = root.querySelector("[data-lp-summary]");
    this.startInput = root.querySelector("[data-lp-start]");
    this.endInput = root.querySelector("[data-lp-end]");
    this.number = new Intl.NumberFormat(this.locale, { maximumFractionDigits: 3 });
    this.points = [];
    this.view = null;
    this.bind();
    this.fetch(false);
  }

  Chart.prototype.bind = function () {
    var self = this, root = this.root;
    root.querySelectorAll("[data-resolution]").forEach(function (button) {
      button.addEventListener("click", function () {
        self.resolution = button.getAttribute("data-resolution");
        root.setAttribute("data-resolution", self.resolution);
        root.querySelectorAll("[data-resolution]").forEach(function (b) {
          b.setAttribute("aria-pressed", String(b === button));
        });
        self.fetch(true);
      });
    });
    root.querySelector("[data-lp-form]").addEventListener("submit", function (event) {
      event.preventDefault();
      self.fetch(true);
    });
    root.querySelectorAll("[data-lp-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-lp-zoom");
        if (how === "reset") self.reset(); else self.zoom(how === "in" ? 0.5 : 2, 0.5);
      });
    });
    var plot = this.plot, drag = null;
    plot.addEventListener("wheel", function (event) {
      if (!self.view) return;
      event.preventDefault();
      self.zoom(event.deltaY < 0 ? 0.8 : 1.25, self.fraction(event));
    }, { passive: false });
    plot.addEventListener("pointerdown", function (event) {
      if (!self.view) return;
      drag = { x: event.clientX, view: self.view.slice() };
      plot.setPointerCapture(event.pointerId);
    });
    plot.addEventListener("pointermove", function (event) {
      if (drag) {
        var width = self.innerWidth(), span = drag.view[1] - drag.view[0];
        var shift = -((event.clientX - drag.x) / width) * span;
        self.setView(drag.view[0] + shift, drag.view[1] + shift);
      } else {
        self.hover(event);
      }
    });
    plot.addEventListener("pointerup", function () { drag = null; });
    plot.addEventListener("pointerleave", function () { self.tooltip.hidden = true; });
    plot.addEventListener("dblclick", function () { self.reset(); });
    plot.addEventListener("keydown", function (event) {
      if (!self.view) return;
      var span = self.view[1] - self.view[0], handled = true;
      if (event.key === "+" || event.key === "=") self.zoom(0.5, 0.5);
      else if (event.key === "-") self.zoom(2, 0.5);
      else if (event.key === "0") self.reset();
      else if (event.key === "ArrowLeft") self.setView(self.view[0] - span / 4, self.view[1] - span / 4);
      else if (event.key === "ArrowRight") self.setView(self.view[0] + span / 4, self.view[1] + span / 4);
      else handled = false;
      if (handled) event.preventDefault();
    });
    window.addEventListener("resize", function () { self.render(); });
  };

  /* The inclusive "to" date of the form ↔ the API's half-open end. */
  function dayAfter(iso) {
    var d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  }
  function dayBefore(iso) {
    var d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() - 1);
    return d.toISOString().slice(0, 10);
  }

  Chart.prototype.fetch = function (usePeriod) {
    var self = this, params = new URLSearchParams({ resolution: this.resolution });
    if (usePeriod && this.startInput.value) params.set("start", this.startInput.value);
    if (usePeriod && this.endInput.value) params.set("end", dayAfter(this.endInput.value));
    this.root.setAttribute("aria-busy", "true");
    this.root.removeAttribute("data-state");
    return fetch(this.url + "?" + params, {
      credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (!answer.ok) return self.fail(answer.body);
        self.data = answer.body;
        self.points = answer.body.points.map(function (p) {
          return {
            t0: Date.parse(p.start), t1: Date.parse(p.end),
            value: p.kwh === null ? null : parseFloat(p.kwh),
            estimated: p.estimated, quality: p.quality, methods: p.methods, raw: p
          };
        });
        self.startInput.value = answer.body.start.slice(0, 10);
        self.endInput.value = dayBefore(answer.body.end.slice(0, 10));
        self.reset();
        self.root.setAttribute("data-state", "ready");
      })
      .catch(function () { self.fail(null); })
      .finally(function () { self.root.removeAttribute("aria-busy"); });
  };

  Chart.prototype.fail = function (body) {
    var message = text(this.root, "error");
    if (body && body.details && body.details.fields) {
      var fields = body.details.fields, first = fields[Object.keys(fields)[0]];
      if (first && first[0]) message = first[0].message_id && this.locale === "id-ID"
        ? first[0].message_id : first[0].message;
    }
    this.points = [];
    this.view = null;
    this.plot.replaceChildren();
    var alert = doc.createElement("p");
    alert.className = "alert alert-warn";
    alert.setAttribute("role", "alert");
    alert.textContent = message;
    this.plot.appendChild(alert);
    this.summary.textContent = "";
    this.root.setAttribute("data-state", "error");
  };

  Chart.prototype.domain = function () {
    if (!this.data) return null;
    return [Date.parse(this.data.start), Date.parse(this.data.end)];
  };

  Chart.prototype.reset = function () {
    var domain = this.domain();
    if (!domain) return;
    if (this.points.length) {
      // Up to the last point: the rest of the period (after "now") holds nothing yet.
      domain = [Math.min(domain[0], this.points[0].t0), this.points[this.points.length - 1].t1];
    }
    this.view = domain;
    this.render();
  };

  Chart.prototype.setView = function (x0, x1) {
    var domain = this.domain();
    if (!domain) return;
    var span = Math.min(x1 - x0, domain[1] - domain[0]);
    span = Math.max(span, Math.min(MIN_SPAN[this.resolution], domain[1] - domain[0]));
    if (x0 < domain[0]) x0 = domain[0];
    if (x0 + span > domain[1]) x0 = domain[1] - span;
    this.view = [x0, x0 + span];
    this.render();
  };

  Chart.prototype.zoom = function (factor, at) {
    if (!this.view) return;
    var span = this.view[1] - this.view[0], centre = this.view[0] + span * at;
    var next = span * factor;
    this.setView(centre - next * at, centre + next * (1 - at));
  };

  Chart.prototype.innerWidth = function () {
    return Math.max(200, (this.plot.clientWidth || 720) - M.left - M.right);
  };

  Chart.prototype.fraction = function (event) {
    var box = this.plot.getBoundingClientRect();
    return Math.min(1, Math.max(0, (event.clientX - box.left - M.left) / this.innerWidth()));
  };

  function niceStep(max, count) {
    var raw = max / count, power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= raw) return steps[i] * power;
    return 10 * power;
  }

  Chart.prototype.formatTime = function (t, withTime) {
    var options = { timeZone: "Asia/Jakarta", day: "numeric", month: "short" };
    if (this.resolution === "monthly") options = { timeZone: "Asia/Jakarta", month: "short", year: "numeric" };
    if (withTime) { options.hour = "2-digit"; options.minute = "2-digit"; options.hourCycle = "h23"; }
    return new Intl.DateTimeFormat(this.locale, options).format(new Date(t));
  };

  /* Ticks on round WIB times (hours, days, weeks) or on month starts, about `count` of them. */
  Chart.prototype.timeTicks = function (x0, x1, count) {
    var ticks = [], span = x1 - x0;
    if (this.resolution === "monthly" || span > 120 * DAY) {
      var d = new Date(x0 + WIB_OFFSET), months = Math.max(1, Math.ceil(span / (30 * DAY) / count));
      var m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - WIB_OFFSET);
      while (m.getTime() <= x1) {
        ticks.push(m.getTime());
        var next = new Date(m.getTime() + WIB_OFFSET);
        m = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + months, 1) - WIB_OFFSET);
      }
      return ticks;
    }
    var steps = [3600e3, 2 * 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, DAY, 2 * DAY, 7 * DAY, 14 * DAY];
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) if (span / steps[i] <= count) { step = steps[i]; break; }
    for (var t = Math.ceil((x0 + WIB_OFFSET) / step) * step - WIB_OFFSET; t <= x1; t += step) ticks.push(t);
    return ticks;
  };

  Chart.prototype.render = function () {
    if (!this.view) return;
    var self = this, width = this.innerWidth(), height = HEIGHT - M.top - M.bottom;
    var x0 = this.view[0], x1 = this.view[1];
    var visible = this.points.filter(function (p) { return p.t1 > x0 && p.t0 < x1; });
    var max = 0;
    visible.forEach(function (p) { if (p.value !== null && p.value > max) max = p.value; });
    var step = niceStep(max > 0 ? max * 1.05 : 1, 5), top = Math.ceil((max > 0 ? max * 1.05 : 1) / step) * step;
    function x(t) { return M.left + ((t - x0) / (x1 - x0)) * width; }
    function y(v) { return M.top + height - (v / top) * height; }

    var svg = el("svg", {
      class: "lp-svg", width: width + M.left + M.right, height: HEIGHT,
      viewBox: "0 0 " + (width + M.left + M.right) + " " + HEIGHT,
      "data-resolution": this.resolution, "data-points": String(visible.length),
      "aria-label": text(this.root, "title"), role: "img"
    });
    var defs = el("defs", {}, svg);
    var hatch = el("pattern", { id: "lp-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse",
      patternTransform: "rotate(45)" }, defs);
    el("rect", { width: 6, height: 6, class: "lp-hatch-bg" }, hatch);
    el("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "lp-hatch-line" }, hatch);
    var clip = el("clipPath", { id: "lp-clip" }, defs);
    el("rect", { x: M.left, y: 0, width: width, height: HEIGHT }, clip);

    var axes = el("g", { class: "lp-axes" }, svg);
    for (var v = 0; v <= top + step / 2; v += step) {
      el("line", { x1: M.left, x2: M.left + width, y1: y(v), y2: y(v), class: "lp-grid" }, axes);
      var label = el("text", { x: M.left - 6, y: y(v) + 4, class: "lp-tick lp-tick-y" }, axes);
      label.textContent = this.number.format(v);
    }
    var unit = el("text", { x: M.left - 6, y: M.top - 8, class: "lp-unit lp-tick-y" }, axes);
    unit.textContent = "kWh";
    var withTime = this.resolution === "interval" && (x1 - x0) < 3 * DAY;
    this.timeTicks(x0, x1, Math.max(2, Math.floor(width / 90))).forEach(function (t) {
      el("line", { x1: x(t), x2: x(t), y1: M.top + height, y2: M.top + height + 4, class: "lp-axis" }, axes);
      var tick = el("text", { x: x(t), y: M.top + height + 18, class: "lp-tick lp-tick-x" }, axes);
      tick.textContent = self.formatTime(t, withTime);
    });
    el("line", { x1: M.left, x2: M.left + width, y1: M.top + height, y2: M.top + height, class: "lp-axis" }, axes);

    var series = el("g", { class: "lp-series", "clip-path": "url(#lp-clip)" }, svg);
    if (this.resolution === "interval") {
      var actual = "", estimated = "", prev = null;
      visible.forEach(function (p) {
        var px = x((p.t0 + p.t1) / 2);
        if (p.value === null) { prev = null; return; }
        var py = y(p.value);
        if (prev && prev.p.t1 === p.t0) {
          var seg = "M" + prev.x.toFixed(1) + "," + prev.y.toFixed(1) + "L" + px.toFixed(1) + "," + py.toFixed(1);
          if (prev.p.estimated || p.estimated) estimated += seg; else actual += seg;
        }
        prev = { p: p, x: px, y: py };
      });
      el("path", { d: actual, class: "lp-line" }, series);
      el("path", { d: estimated, class: "lp-line lp-line-est" }, series);
      visible.forEach(function (p) {
        if (p.estimated && p.value !== null) {
          el("circle", { cx: x((p.t0 + p.t1) / 2), cy: y(p.value), r: 2.5, class: "lp-est-dot",
            "data-estimated": "true" }, series);
        } else if (p.value === null) {
          el("rect", { x: x(p.t0), width: Math.max(1, x(p.t1) - x(p.t0)), y: M.top, height: height,
            class: "lp-missing" }, series);
        }
      });
    } else {
      visible.forEach(function (p) {
        var left = x(p.t0), right = x(p.t1), gap = Math.min(3, (right - left) * 0.15);
        var barX = left + gap, barWidth = Math.max(1, right - left - 2 * gap);
        if (p.value === null) {
          el("rect", { x: barX, width: barWidth, y: M.top, height: height, class: "lp-missing" }, series);
          return;
        }
        // Actual energy solid at the bottom, the estimated part hatched on top of it.
        var estimatedValue = estimatedPart(p), actualTop = y(p.value - estimatedValue);
        el("rect", {
          x: barX, width: barWidth, y: actualTop, height: Math.max(0, M.top + height - actualTop),
          class: "lp-bar", "data-estimated": String(p.estimated), "data-start": p.raw.start.slice(0, 10)
        }, series);
        if (estimatedValue > 0) {
          el("rect", {
            x: barX, width: barWidth, y: y(p.value), height: Math.max(0, actualTop - y(p.value)),
            class: "lp-bar-est", "data-start": p.raw.start.slice(0, 10)
          }, series);
        }
      });
    }
    this.plot.replaceChildren(svg);
    this.plot.appendChild(this.tooltip);
    this.tooltip.hidden = true;
    this.renderSummary(visible);
  };

  /* The estimated part of a point's energy (an aggregated point may be partly estimated). */
  function estimatedPart(p) {
    if (!p.estimated || p.value === null) return 0;
    return Math.min(p.value, parseFloat(p.raw.kwh_estimated || "0"));
  }

  Chart.prototype.renderSummary = function (visible) {
    var total = 0, estimated = 0, missing = 0;
    visible.forEach(function (p) {
      if (p.value === null) { missing += 1; return; }
      total += p.value;
      estimated += estimatedPart(p);
    });
    var parts = [text(this.root, "total") + " " + this.number.format(total) + " kWh"];
    if (estimated > 0) parts.push(text(this.root, "estimated-share") + " ≈ " + this.number.format(estimated) + " kWh");
    if (missing > 0) parts.push(text(this.root, "missing") + ": " + missing);
    if (!visible.length) parts = [text(this.root, "empty")];
    this.summary.textContent = parts.join(" · ");
  };

  Chart.prototype.hover = function (event) {
    if (!this.view || !this.points.length) return;
    var t = this.view[0] + this.fraction(event) * (this.view[1] - this.view[0]);
    var hit = null;
    for (var i = 0; i < this.points.length; i++) {
      if (this.points[i].t0 <= t && t < this.points[i].t1) { hit = this.points[i]; break; }
    }
    if (!hit) { this.tooltip.hidden = true; return; }
    var root = this.root, when = this.formatTime(hit.t0, this.resolution === "interval");
    var status = hit.value === null ? text(root, "missing")
      : hit.estimated ? text(root, "estimated") + (hit.methods.length ? " (" + hit.methods.map(function (m) {
        return root.getAttribute("data-method-" + m) || m;
      }).join(", ") + ")" : "")
      : text(root, "actual");
    this.tooltip.textContent = when + " · " + (hit.value === null ? "—" : this.number.format(hit.value) + " kWh") + " · " + status;
    this.tooltip.hidden = false;
    var box = this.plot.getBoundingClientRect();
    this.tooltip.style.left = Math.min(box.width - 220, Math.max(0, event.clientX - box.left + 12)) + "px";
    this.tooltip.style.top = Math.max(0, event.clientY - box.top - 36) + "px";
  };

  function initCharts(scope) {
    scope.querySelectorAll("[data-load-profile]").forEach(function (root) {
      if (!root.lpChart) root.lpChart = new Chart(root);
    });
  }

  function loadSections() {
    doc.querySelectorAll("[data-meter-section][data-src]").forEach(function (section) {
      section.setAttribute("aria-busy", "true");
      fetch(section.getAttribute("data-src"), {
        credentials: "same-origin", headers: { "HX-Request": "true" }
      })
        .then(function (response) {
          var next = response.headers.get("HX-Redirect");
          if (next) { window.location.assign(next); return; }
          if (!response.ok && response.status >= 500) throw new Error(String(response.status));
          return response.text().then(function (html) {
            section.innerHTML = html;
            initCharts(section);
          });
        })
        .catch(function () {
          var alert = doc.createElement("p");
          alert.className = "alert alert-danger";
          alert.setAttribute("role", "alert");
          alert.textContent = doc.body.getAttribute("data-error-text");
          section.replaceChildren(alert);
        })
        .finally(function () { section.removeAttribute("aria-busy"); });
    });
    initCharts(doc);
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", loadSections);
  else loadSections();
})();
