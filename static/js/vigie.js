/* Vigie: progressive enhancement only. Every page works without this file.
   CSP-safe (no inline handlers, no eval), ES2017, no library, no network. */
(function () {
  'use strict';

  document.documentElement.classList.add('js');

  var FIELD = 'input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled])';
  var FOCUSABLE = 'a[href], area[href], button, input:not([type="hidden"]), select, textarea, summary, iframe, [tabindex], [contenteditable="true"]';
  var MAX_ROWS = 20;
  var REPEAT_LABELS = {
    authors: 'Ajouter un auteur présumé',
    targets: 'Ajouter un compte ou une publication'
  };

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  function isFocusable(el) {
    return el.matches(FOCUSABLE) && !el.disabled && !el.hasAttribute('hidden');
  }

  /* The field to focus for an element: itself, or the first field inside it
     (the checked radio of a group first). */
  function fieldOf(el) {
    if (isFocusable(el)) return el;
    return el.querySelector('input[type="radio"]:checked:not([disabled])') || el.querySelector(FIELD);
  }

  // ---------------------------------------------------------------- error summary

  function initErrorSummary() {
    var summary = document.querySelector('[data-error-summary]');
    if (!summary) return;
    summary.focus();
    summary.addEventListener('click', function (event) {
      var link = event.target.closest('a[href^="#"]');
      if (!link || !summary.contains(link)) return;
      var id;
      try {
        id = decodeURIComponent(link.getAttribute('href').slice(1));
      } catch (e) {
        return;
      }
      var target = id && document.getElementById(id);
      if (!target) return;
      var field = fieldOf(target);
      if (!field) return;
      event.preventDefault();
      // Show the label or legend with the field: scroll its wrapper, not the bare input.
      var shown = field === target ? (target.closest('.field, fieldset') || target) : target;
      shown.scrollIntoView({ block: 'start' });
      field.focus({ preventScroll: true });
    });
  }

  // ---------------------------------------------------------------- danger

  /* Any radio or checkbox carrying data-danger shows its form's
     [data-emergency] boxes while it is checked. */
  function updateDanger(form) {
    if (!form || !form.querySelector('input[data-danger]')) return;
    var danger = !!form.querySelector('input[data-danger]:checked');
    each(form.querySelectorAll('[data-emergency]'), function (box) {
      if (danger) {
        box.removeAttribute('data-hidden-until-danger');
      } else {
        box.setAttribute('data-hidden-until-danger', '');
      }
    });
  }

  function initDanger() {
    // Sync once: the browser may have restored a checked radio (back button).
    each(document.querySelectorAll('form'), updateDanger);
  }

  // ---------------------------------------------------------------- repeatable rows

  function clearRow(row) {
    var removed = [];
    each(row.querySelectorAll('.field-error'), function (err) {
      if (err.id) removed.push(err.id);
      err.parentNode.removeChild(err);
    });
    each(row.querySelectorAll('.file-list'), function (list) {
      list.parentNode.removeChild(list);
    });
    var all = [row].concat(Array.prototype.slice.call(row.querySelectorAll('*')));
    all.forEach(function (el) {
      el.removeAttribute('aria-invalid');
      var described = el.getAttribute('aria-describedby');
      if (described) {
        var kept = described.split(/\s+/).filter(function (t) { return t && removed.indexOf(t) < 0; });
        if (kept.length) el.setAttribute('aria-describedby', kept.join(' '));
        else el.removeAttribute('aria-describedby');
      }
    });
    each(row.querySelectorAll('input'), function (input) {
      var type = (input.getAttribute('type') || 'text').toLowerCase();
      if (type === 'button' || type === 'submit' || type === 'reset') return;
      if (type === 'checkbox' || type === 'radio') {
        input.checked = false;
        input.removeAttribute('checked');
        return;
      }
      input.removeAttribute('value');
      input.value = '';
    });
    each(row.querySelectorAll('textarea'), function (area) {
      area.textContent = '';
      area.value = '';
    });
    each(row.querySelectorAll('select'), function (select) {
      each(select.options, function (option) {
        option.removeAttribute('selected');
        option.selected = false;
      });
      if (select.multiple) {
        select.selectedIndex = -1;
        return;
      }
      var blank = -1;
      each(select.options, function (option, i) {
        if (blank < 0 && option.value === '' && !option.disabled) blank = i;
      });
      select.selectedIndex = blank < 0 ? 0 : blank;
    });
  }

  function renumberRow(row, n) {
    var next = n + 1;
    var suffix = new RegExp('_' + n + '(?=$|-)');
    var rename = function (value) { return value.replace(suffix, '_' + next); };
    var all = [row].concat(Array.prototype.slice.call(row.querySelectorAll('*')));
    all.forEach(function (el) {
      ['id', 'for', 'aria-describedby', 'aria-labelledby', 'aria-controls'].forEach(function (name) {
        var value = el.getAttribute(name);
        if (value) el.setAttribute(name, value.split(/\s+/).map(rename).join(' '));
      });
    });
    var legend = row.querySelector('legend');
    if (legend) {
      // The trailing number lives in the legend's last text node.
      var node = legend.lastChild;
      while (node && node.nodeType !== 3) node = node.lastChild;
      if (node) {
        node.nodeValue = node.nodeValue.replace(/(\d+)(\s*)$/, function (all, num, space) {
          return (parseInt(num, 10) + 1) + space;
        });
      }
    }
  }

  function rowsOf(container) {
    return Array.prototype.filter.call(container.querySelectorAll('[data-repeat-row]'), function (row) {
      return row.parentElement.closest('[data-repeat]') === container;
    });
  }

  function initRepeat() {
    each(document.querySelectorAll('[data-repeat]'), function (container) {
      if (!rowsOf(container).length) return;
      var kind = container.getAttribute('data-repeat');
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button-secondary button-small';
      button.textContent = container.getAttribute('data-repeat-label') || REPEAT_LABELS[kind] || 'Ajouter une ligne';
      container.parentNode.insertBefore(button, container.nextSibling);

      var sync = function () {
        button.disabled = rowsOf(container).length >= MAX_ROWS;
      };
      sync();

      button.addEventListener('click', function () {
        var rows = rowsOf(container);
        if (!rows.length || rows.length >= MAX_ROWS) {
          sync();
          return;
        }
        var last = rows[rows.length - 1];
        var match = /_(\d+)$/.exec(last.id || '');
        var n = match ? parseInt(match[1], 10) : rows.length - 1;
        var row = last.cloneNode(true);
        clearRow(row);
        renumberRow(row, n);
        last.parentNode.insertBefore(row, last.nextSibling);
        sync();
        var first = row.querySelector('select:not([disabled]), input:not([type="hidden"]):not([disabled]), textarea:not([disabled])');
        if (first) first.focus();
      });
    });
  }

  // ---------------------------------------------------------------- file lists

  function decimal(value) {
    return value.toFixed(1).replace(/\.0$/, '').replace('.', ',');
  }

  function fileSize(bytes) {
    if (bytes < 1024) return bytes + ' octets';
    if (bytes < 1024 * 1024) return decimal(bytes / 1024) + ' Ko';
    return decimal(bytes / (1024 * 1024)) + ' Mo';
  }

  function showFiles(input) {
    var list = input.nextElementSibling;
    if (!list || !list.classList.contains('file-list')) {
      list = document.createElement('ul');
      list.className = 'file-list';
      list.setAttribute('aria-live', 'polite');
      input.parentNode.insertBefore(list, input.nextSibling);
    }
    while (list.firstChild) list.removeChild(list.firstChild);
    each(input.files || [], function (file) {
      var item = document.createElement('li');
      item.textContent = file.name + ' (' + fileSize(file.size) + ')';
      list.appendChild(item);
    });
  }

  // ---------------------------------------------------------------- type-ahead

  // An input with data-typeahead="URL" fills the element named by
  // data-typeahead-target with links to the matching schools as one types.
  // Without JavaScript the form's plain search step does the same.
  function initTypeahead() {
    var inputs = document.querySelectorAll('input[data-typeahead]');
    Array.prototype.forEach.call(inputs, function (input) {
      var target = document.getElementById(input.getAttribute('data-typeahead-target'));
      if (!target) return;
      var timer = null;
      var last = '';
      input.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var q = input.value.trim();
          if (q === last || q.length < 2) return;
          last = q;
          fetch(input.getAttribute('data-typeahead') + '?q=' + encodeURIComponent(q), {
            headers: { Accept: 'application/json' },
            credentials: 'same-origin'
          })
            .then(function (r) { return r.ok ? r.json() : []; })
            .then(function (schools) {
              if (input.value.trim() !== q) return;
              while (target.firstChild) target.removeChild(target.firstChild);
              var title = document.createElement('h2');
              title.textContent = schools.length
                ? 'Choisissez l\'établissement'
                : 'Aucun établissement trouvé : essayez la ville seule ou le code UAI.';
              target.appendChild(title);
              if (!schools.length) return;
              var list = document.createElement('ul');
              list.className = 'choice-list';
              schools.forEach(function (s) {
                var li = document.createElement('li');
                var a = document.createElement('a');
                a.href = '/signaler/' + encodeURIComponent(s.uai);
                var name = document.createElement('strong');
                name.textContent = s.name;
                var hint = document.createElement('span');
                hint.className = 'hint';
                hint.textContent = ' ' + s.town + ' · ' + s.uai;
                a.appendChild(name);
                a.appendChild(hint);
                li.appendChild(a);
                list.appendChild(li);
              });
              target.appendChild(list);
            })
            .catch(function () { /* the plain search still works */ });
        }, 250);
      });
    });
  }

  // ---------------------------------------------------------------- wiring

  function onChange(event) {
    var input = event.target;
    if (!input || input.tagName !== 'INPUT') return;
    if (input.type === 'file' && input.multiple) {
      showFiles(input);
    } else if (input.type === 'radio' || input.type === 'checkbox') {
      updateDanger(input.form || input.closest('form'));
    }
  }

  function init() {
    document.addEventListener('change', onChange);
    initDanger();
    initRepeat();
    initErrorSummary();
    initTypeahead();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
