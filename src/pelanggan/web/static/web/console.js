/* Pelanggan console: progressive enhancement; every page also works without this file.
 * data-target="#id" on a form or link: fetch with "HX-Request: true", put the returned fragment
 * into #id ("HX-Redirect" in the answer: go there). "/" focuses search, arrows move through
 * result rows, Enter opens. data-show-if="field=value" toggles; data-fill copies a value. */
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("js");

  function showFailure(target) {
    var alert = Object.assign(doc.createElement("p"), { className: "alert alert-danger" });
    alert.setAttribute("role", "alert");
    alert.textContent = doc.body.getAttribute("data-error-text");
    target.replaceChildren(alert);
  }

  function applyToggles(root) {
    root.querySelectorAll("[data-show-if]").forEach(function (el) {
      var rule = el.getAttribute("data-show-if").split("=");
      var form = el.closest("form");
      var control = form && form.elements.namedItem(rule[0]);
      if (control) el.hidden = control.value !== rule[1];
    });
  }

  function swap(target, html) {
    target.innerHTML = html;
    applyToggles(target);
    var invalid = target.querySelector("[aria-invalid='true']");
    if (invalid) {
      invalid.focus();
    } else if (!doc.activeElement || doc.activeElement === doc.body) {
      // The focused element was replaced: keep the keyboard user inside the new content.
      (target.querySelector("[data-row-link]") || target).focus();
    }
  }

  function load(url, options, target) {
    target.setAttribute("aria-busy", "true");
    options.headers = { "HX-Request": "true" };
    options.credentials = "same-origin";
    return fetch(url, options)
      .then(function (response) {
        var next = response.headers.get("HX-Redirect");
        if (next) return window.location.assign(next);
        if (response.status >= 500) return showFailure(target);
        return response.text().then(function (html) { swap(target, html); });
      })
      .catch(function () { showFailure(target); })
      .finally(function () { target.removeAttribute("aria-busy"); });
  }

  doc.addEventListener("submit", function (event) {
    var form = event.target;
    var target = form.dataset.target && doc.querySelector(form.dataset.target);
    if (!target || event.defaultPrevented) return;
    event.preventDefault();
    var data = new FormData(form), submitter = event.submitter;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var method = (form.getAttribute("method") || "get").toUpperCase();
    if (method === "GET") {
      load(form.action.split("?")[0] + "?" + new URLSearchParams(data), { method: "GET" }, target);
    } else {
      load(form.action, { method: method, body: data }, target);
    }
  });

  doc.addEventListener("click", function (event) {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    var el = event.target.closest("a[data-target], [data-fill], [data-print], tr[data-href]");
    if (!el) return;
    if (el.matches("a[data-target]")) {
      var target = doc.querySelector(el.getAttribute("data-target"));
      if (!target) return;
      event.preventDefault();
      load(el.href, { method: "GET" }, target);
    } else if (el.hasAttribute("data-fill")) {
      var input = doc.querySelector(el.getAttribute("data-fill"));
      if (!input) return;
      input.value = el.getAttribute("data-value");
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    } else if (el.hasAttribute("data-print")) {
      window.print();
    } else if (!event.target.closest("a, button, input, select, textarea")) {
      window.location.assign(el.getAttribute("data-href"));
    }
  });

  function isTyping(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  doc.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var active = doc.activeElement, search = doc.querySelector("[data-search-input]");
    if (event.key === "/" && !isTyping(active)) {
      if (!search) return;
      event.preventDefault();
      search.focus();
      search.select();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var rows = Array.prototype.slice.call(doc.querySelectorAll("[data-row-link]"));
    var index = rows.indexOf(active), down = event.key === "ArrowDown";
    if (!rows.length || (index === -1 && !(active === search && down))) return;
    event.preventDefault();
    var next = index + (down ? 1 : -1);
    if (next < 0 && search) search.focus();
    else rows[Math.max(0, Math.min(next, rows.length - 1))].focus();
  });

  doc.addEventListener("change", function (event) {
    if (event.target.form) applyToggles(event.target.form);
  });
  applyToggles(doc);
})();
