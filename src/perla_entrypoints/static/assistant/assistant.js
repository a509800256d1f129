/* The assistant's chat page: lists the person's conversations, opens one, sends messages
 * and answers a pending proposal with «Confirmar» ("sí") or «Cancelar» ("no").
 * Everything shown is set with textContent: nothing from the model or from storage is
 * interpreted as HTML. Requests go to /assistant/api/... with the session cookie; every POST
 * carries X-Perla-Page: 1 (the server refuses it otherwise). */
(function () {
  'use strict';

  var API = '/assistant/api';
  var LOGIN = '/dashboard/login?next=/assistant';
  var NOTES = {
    applied: 'Cambio aplicado.',
    cancelled: 'Propuesta cancelada.',
    stale: 'Propuesta caducada: los datos han cambiado.',
    failed: 'La propuesta no se ha podido aplicar.',
    superseded: 'Propuesta sustituida por otra petición.'
  };
  var NOTICES = {
    'model unavailable': 'El asistente no estaba disponible; el mensaje quedó guardado.',
    'model protocol error': 'El asistente dio una respuesta que no se entendió.',
    'too many refused tool calls': 'El asistente no pudo completar la petición.',
    'too many rounds': 'El asistente no pudo terminar la petición en un turno.'
  };

  var current = null;
  var busy = false;

  function $(id) { return document.getElementById(id); }

  function setState(state) { document.body.dataset.state = state; }

  function status(text, isError) {
    var el = $('status');
    el.textContent = text || '';
    el.classList.toggle('error', !!isError);
  }

  function ApiError(status, problem) {
    this.status = status;
    this.problem = problem || {};
  }

  function request(method, path, body) {
    var options = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (method !== 'GET') {
      options.headers['Content-Type'] = 'application/json';
      options.headers['X-Perla-Page'] = '1';
      options.body = JSON.stringify(body || {});
    }
    return fetch(API + path, options).then(function (response) {
      if (response.status === 401) {
        window.location.assign(LOGIN);
        throw new ApiError(401, {});
      }
      return response.json().then(function (data) {
        if (!response.ok) { throw new ApiError(response.status, data); }
        return data;
      }, function () {
        throw new ApiError(response.status, {});
      });
    });
  }

  function explain(error) {
    if (!(error instanceof ApiError)) { return 'No se ha podido contactar con perla. Revisa la conexión.'; }
    var problem = error.problem;
    if (error.status === 409) { return 'La conversación ha cambiado mientras tanto: ábrela de nuevo.'; }
    if (error.status === 404) { return 'No se encuentra esta conversación.'; }
    if (error.status === 403) { return 'No tienes permiso para hacer esto.'; }
    if (error.status === 400 || error.status === 422 || error.status === 413) {
      var details = (problem.errors || []).map(function (e) { return e.message; }).join('; ');
      return 'Revisa el mensaje' + (details ? ': ' + details : '.');
    }
    return 'Ha fallado la petición (' + error.status + '). Inténtalo de nuevo.';
  }

  function when(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return ''; }
    return date.toLocaleString('es-ES', { dateStyle: 'short', timeStyle: 'short' });
  }

  // --- conversations --------------------------------------------------------------------

  function renderList(page) {
    var list = $('conversations');
    list.textContent = '';
    page.items.forEach(function (c) {
      var item = document.createElement('li');
      item.dataset.id = c.id;
      if (c.id === current) { item.className = 'current'; }
      var link = document.createElement('a');
      link.href = '#/c/' + c.id;
      link.textContent = c.title || 'Conversación sin título';
      var time = document.createElement('time');
      time.dateTime = c.updated_at;
      time.textContent = when(c.updated_at);
      link.appendChild(time);
      item.appendChild(link);
      list.appendChild(item);
    });
    $('no-conversations').hidden = page.items.length > 0;
  }

  function loadList() {
    return request('GET', '/conversations').then(renderList);
  }

  // --- messages -------------------------------------------------------------------------

  function bubble(kind, text) {
    var item = document.createElement('li');
    item.className = kind;
    item.textContent = text;
    $('messages').appendChild(item);
    item.scrollIntoView({ block: 'nearest' });
    return item;
  }

  function renderEntry(entry) {
    if (entry.kind === 'user') { bubble('user', entry.text); }
    else if (entry.kind === 'assistant') { bubble('assistant', entry.text); }
    else if (entry.kind === 'proposal') { bubble('proposal', entry.text); }
    else if (entry.kind === 'decision') {
      var note = NOTES[entry.data && entry.data.status];
      if (note) { bubble('note', note); }
    } else if (entry.kind === 'notice') {
      bubble('note', NOTICES[entry.text] || 'Aviso del asistente.');
    }
  }

  function shown(value) {
    if (value === null || value === undefined || value === '') { return '—'; }
    if (typeof value === 'object') { return JSON.stringify(value); }
    return String(value);
  }

  function renderProposal(proposal) {
    var box = $('proposal');
    if (!proposal) { box.hidden = true; return; }
    $('proposal-summary').textContent = proposal.summary;
    var rows = $('proposal-changes');
    rows.textContent = '';
    (proposal.changes || []).forEach(function (change) {
      var row = document.createElement('tr');
      [change.record, change.field, shown(change.before), shown(change.after)].forEach(function (v) {
        var cell = document.createElement('td');
        cell.textContent = v;
        row.appendChild(cell);
      });
      rows.appendChild(row);
    });
    var checks = $('proposal-checks');
    checks.textContent = '';
    (proposal.checks || []).forEach(function (check) {
      var item = document.createElement('li');
      item.className = check.passed ? 'passed' : 'failed';
      item.textContent = (check.passed ? '✔ ' : '✘ ') + check.name + (check.detail ? ': ' + check.detail : '');
      checks.appendChild(item);
    });
    box.dataset.proposal = proposal.id;
    box.hidden = false;
  }

  function open(id) {
    current = id;
    document.body.dataset.conversation = id || '';
    $('messages').textContent = '';
    renderProposal(null);
    status('');
    if (!id) {
      $('conversation-title').textContent = 'Nueva conversación';
      return Promise.resolve();
    }
    return request('GET', '/conversations/' + id).then(function (conversation) {
      $('conversation-title').textContent = conversation.title || 'Conversación sin título';
      conversation.entries.forEach(renderEntry);
      renderProposal(conversation.pending);
      Array.prototype.forEach.call($('conversations').children, function (item) {
        item.classList.toggle('current', item.dataset.id === id);
      });
    });
  }

  function ensureConversation() {
    if (current) { return Promise.resolve(current); }
    return request('POST', '/conversations', {}).then(function (created) {
      current = created.id;
      document.body.dataset.conversation = created.id;
      history.replaceState(null, '', '#/c/' + created.id);
      return created.id;
    });
  }

  function send(text) {
    if (busy || !text.trim()) { return Promise.resolve(); }
    busy = true;
    setState('sending');
    status('El asistente está pensando…');
    $('send').disabled = true;
    var mine = bubble('user', text);
    return ensureConversation().then(function (id) {
      return request('POST', '/conversations/' + id + '/messages', { text: text });
    }).then(function (turn) {
      bubble('assistant', turn.reply);
      renderProposal(turn.pending);
      if (turn.applied) { bubble('note', NOTES.applied); }
      status('');
      $('message').value = '';
      return loadList().then(function () {
        var title = $('conversations').querySelector('li.current a');
        if (title) { $('conversation-title').textContent = title.firstChild.textContent; }
      });
    }).then(function () {
      setState('ready');
    }, function (error) {
      mine.classList.add('failed');
      status(explain(error), true);
      setState('error');
    }).then(function () {
      busy = false;
      $('send').disabled = false;
    });
  }

  function route() {
    var match = /^#\/c\/([0-9a-f-]{36})$/.exec(window.location.hash);
    return match ? match[1] : null;
  }

  function start() {
    $('composer').addEventListener('submit', function (event) {
      event.preventDefault();
      send($('message').value);
    });
    $('message').addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        send($('message').value);
      }
    });
    $('confirm').addEventListener('click', function () { send('sí'); });
    $('cancel').addEventListener('click', function () { send('no'); });
    $('new-conversation').addEventListener('click', function () {
      history.pushState(null, '', window.location.pathname);
      open(null).then(loadList);
      $('message').focus();
    });
    window.addEventListener('hashchange', function () {
      var id = route();
      if (id !== current) {
        setState('loading');
        open(id).then(function () { setState('ready'); }, function (error) {
          status(explain(error), true);
          setState('error');
        });
      }
    });
    loadList().then(function () { return open(route()); }).then(function () {
      setState('ready');
    }, function (error) {
      status(explain(error), true);
      setState('error');
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
