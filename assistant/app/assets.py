"""The app's stylesheet and its one script, as constants (no files to package).

`VIEWER_JS` runs once in the viewer component and handles clicks anywhere on the page:
`[n]` links in answers show that source in the panel (and move the focus to it), "Open the
article" buttons show the whole document in a modal dialog scrolled to the highlighted span
(focus moves in and stays in until Escape or Close, then returns to the button), "Copy reference" copies, and a
chat message's copy button copies the text the user sees instead of its HTML.
"""

VIEWER_HTML = """
<dialog class="viewer" aria-label="Article">
  <div class="viewer-bar"><p>Whole article · the passage is highlighted</p>
    <button class="viewer-close" type="button" aria-label="Close the article">✕ Close</button></div>
  <div class="viewer-body" tabindex="0" role="region" aria-label="Article text"></div>
</dialog>
"""

VIEWER_JS = r"""
// one set of page-wide listeners, even if Gradio mounts this component again
window.__assistantListeners?.abort();
const listeners = new AbortController();
window.__assistantListeners = listeners;
const dialog = element.querySelector('dialog.viewer');
const body = element.querySelector('.viewer-body');
let opener = null;  // the button that opened the viewer gets the focus back
const close = () => { if (dialog.open) dialog.close(); };
dialog.addEventListener('close', () => {
  body.replaceChildren();
  if (opener?.isConnected) opener.focus();
  opener = null;
}, {signal: listeners.signal});

// a modal <dialog> makes the page behind it inert; Tab and Shift+Tab also wrap around inside it
dialog.addEventListener('keydown', (event) => {
  if (event.key !== 'Tab') return;
  const stops = [...dialog.querySelectorAll('button, [href], [tabindex]:not([tabindex="-1"])')].filter(e => !e.disabled && e.getClientRects().length);
  if (!stops.length) return;
  const first = stops[0], last = stops[stops.length - 1];
  const inside = dialog.contains(document.activeElement) && document.activeElement !== dialog;
  if (event.shiftKey && (document.activeElement === first || !inside)) { event.preventDefault(); last.focus(); }
  else if (!event.shiftKey && (document.activeElement === last || !inside)) { event.preventDefault(); first.focus(); }
}, {signal: listeners.signal});

function showCitation(turn, number) {
  const panel = document.querySelector('#sources-panel');
  if (!panel) return;
  panel.querySelectorAll('section.turn').forEach(s => { s.hidden = s.dataset.turn !== turn; });
  panel.querySelectorAll('.src.active').forEach(c => c.classList.remove('active'));
  const card = panel.querySelector('#src-' + turn + '-' + number);
  if (!card) return;
  card.classList.add('active');
  card.scrollIntoView({block: 'nearest'});
  card.tabIndex = -1;  // focus moves to the source, so the next Tab reaches its buttons
  card.focus({preventScroll: true});
}

async function openArticle(button) {
  opener = button;
  body.textContent = 'Opening the article…';
  dialog.setAttribute('aria-label', 'Article');
  if (!dialog.open) dialog.showModal();
  body.focus();
  try {
    // the server escapes all document text; only its own <mark>, headings and notice are markup
    body.innerHTML = await server.article({source: button.dataset.source, start: Number(button.dataset.start), end: Number(button.dataset.end)});
  } catch (error) {
    body.textContent = 'The article could not be opened: ' + error;
  }
  const title = body.querySelector('.article-title');
  if (title) dialog.setAttribute('aria-label', title.textContent);
  const hit = body.querySelector('#hit');
  if (hit) hit.scrollIntoView({block: 'center'});
}

async function copyReference(button) {
  const text = button.dataset.copy;
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {  // no clipboard permission: select the text so Ctrl+C copies it
    const range = document.createRange();
    range.selectNodeContents(button.parentElement.querySelector('.ref-text'));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
  }
  button.textContent = 'Copied ✓';
  setTimeout(() => { button.textContent = 'Copy reference'; }, 1500);
}

function messageText(button) {
  // the message a chat copy button belongs to is the last one before it in the page
  const before = [...document.querySelectorAll('#chat [data-testid="bot"], #chat [data-testid="user"]')]
    .filter(m => m.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING);
  return before.length ? before[before.length - 1].innerText.trim() : null;
}

async function copyMessage(button, text) {
  try { await navigator.clipboard.writeText(text); } catch (error) { return; }
  button.classList.add('copied');
  setTimeout(() => button.classList.remove('copied'), 1500);
}

document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : event.target.parentElement;
  if (!target) return;
  const cite = target.closest('a[href^="#cite-"]');
  if (cite) {
    event.preventDefault();
    event.stopPropagation();
    const match = cite.getAttribute('href').match(/^#cite-(\d+)-(\d+)$/);
    if (match) showCitation(match[1], match[2]);
    return;
  }
  const chatCopy = target.closest('#chat button[aria-label="Copy message"]');
  const text = chatCopy && messageText(chatCopy);
  if (text) { event.preventDefault(); event.stopPropagation(); copyMessage(chatCopy, text); return; }
  const open = target.closest('[data-open-article]');
  if (open) { event.preventDefault(); openArticle(open); return; }
  const copy = target.closest('[data-copy]');
  if (copy) { event.preventDefault(); copyReference(copy); return; }
  if (target.closest('.viewer-close') || target === dialog) close();  // the dialog itself is hit only on its backdrop
}, {capture: true, signal: listeners.signal});
"""

# Runs in the browser on every change of the question box: the count shows from 80% of the limit on.
COUNT_JS = r"""(text) => {
  const counter = document.querySelector('#question-counter .counter');
  if (!counter) return;
  const limit = Number(counter.dataset.limit), count = (text || '').trim().length;
  const over = count - limit;
  counter.textContent = count < 0.8 * limit ? '' : count.toLocaleString('en') + ' / ' + limit.toLocaleString('en') + ' characters'
    + (over > 0 ? ': ' + over.toLocaleString('en') + ' too many' : '');
  counter.classList.toggle('over', over > 0);
}"""

CSS = """
:root body.dark { --color-accent: var(--primary-500); }  /* the theme darkens the accent for white (see ui._theme); on dark, Gradio's own is the legible one */
.answer { line-height: 1.6; }
.answer p { margin: 0 0 .4em 0; }
.answer .cite { display: inline-block; margin: 0 1px; padding: 0 5px; border-radius: 6px; font-size: .85em; font-weight: 600;
  text-decoration: none; color: var(--color-accent); background: var(--color-accent-soft); cursor: pointer; }
.answer .cite:hover, .answer .cite:focus { background: var(--primary-600); color: white; }  /* 5.2:1, on either theme */
.answer .cite.unsupported { color: #b42318; background: #fee4e2; text-decoration: line-through; }
.answer .sentence.unsupported { text-decoration: underline wavy #d92d20; text-underline-offset: 3px; }
.answer .flag { white-space: nowrap; margin-left: 4px; padding: 0 6px; border-radius: 6px; font-size: .8em; color: #b42318; background: #fee4e2; }
.answer .answer-foot { margin-top: .5em; font-size: .85em; color: var(--body-text-color-subdued); }
.answer .confidence { display: inline-block; padding: 0 7px; border-radius: 6px; font-weight: 600; cursor: help; }
.answer .confidence.well { color: #05603a; background: #d1fadf; }
.answer .confidence.partly { color: #93370d; background: #fef0c7; }
.answer .confidence.weakly { color: #b42318; background: #fee4e2; }
.answer .confidence.overview { color: #1d2939; background: #eaecf0; }
.answer.refused > p:first-child { font-style: italic; }
.answer.refused ul { margin: 0 0 .4em 1.2em; padding: 0; font-size: .92em; }
#question-meta { align-items: center; gap: 8px; min-height: 0; }
#question-meta > * { flex: 0 1 auto !important; min-width: 0 !important; }
#question-status .status { margin: 2px 0 0 0; font-size: .9em; color: #93370d; }
#question-status:has(.status[hidden]) { display: none; }  /* no empty gap under the box */
#question-counter .counter { font-size: .85em; font-variant-numeric: tabular-nums; color: var(--body-text-color-subdued); white-space: nowrap; }
#question-counter .counter.over { color: #b42318; font-weight: 600; }
#search-scope .scope { margin: 0; font-size: .85em; color: var(--body-text-color-subdued); }
#search-scope .scope.filtered { color: #93370d; font-weight: 600; }
.answer.problem { color: #93370d; }
.answer.draft .cursor { animation: blink 1s step-end infinite; }
.answer.draft .searching { font-style: italic; color: var(--body-text-color-subdued); }
.answer.stopped .stopped-mark { display: block; margin-top: 0.3em; font-size: 0.9em; font-style: italic; color: var(--body-text-color-subdued); }
.again { font-size: 0.85em; font-style: italic; opacity: 0.75; }
@keyframes blink { 50% { opacity: 0; } }
/* thumbs only on final answers: not on drafts or problems */
#chat .message-row.bot-row:has(.answer.draft, .answer.problem) + .message-buttons :is(button[aria-label^="Like"], button[aria-label^="Dislike"]) { display: none; }
#chat button.copied { color: var(--color-accent) !important; box-shadow: 0 0 0 2px var(--color-accent-soft); }
.app-header h1 { margin: 0; font-size: 1.6em; font-weight: 600; }
.app-header p { margin: 2px 0 0 0; color: var(--body-text-color-subdued); }
.sources h2 { margin: 2px 0 10px 0; font-size: 1.1em; font-weight: 600; }
.sources h2 .for { font-size: .85em; font-weight: 400; color: var(--body-text-color-subdued); }
.sources.empty p, .timings.empty, .lookup-empty { color: var(--body-text-color-subdued); }
.src { border: 1px solid var(--block-border-color); border-radius: 10px; padding: 10px 12px; margin: 0 0 10px 0;
  background: var(--block-background-fill); scroll-margin: 8px; }
.src.active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.src.unsupported { border-color: #f04438; }
.src header { font-weight: 600; }
.src .num { color: var(--color-accent); margin-right: 2px; }
.dark .src .num { color: var(--primary-400); }  /* blue 500 measures 4.1:1 on a dark card */
.src .section { margin: 2px 0; font-size: .85em; color: var(--body-text-color-subdued); }
.src .notice { margin: 4px 0; padding: 2px 8px; font-size: .8em; border-left: 3px solid #f79009;
  background: rgba(247, 144, 9, .08); color: var(--body-text-color); }
.src .failed { margin: 4px 0; font-size: .85em; color: #b42318; }
.src blockquote.context { margin: 6px 0; padding: 6px 10px; border-left: 3px solid var(--block-border-color);
  font-size: .92em; line-height: 1.55; white-space: pre-wrap; overflow-wrap: anywhere; }
.src mark, .article-text mark { background: #fde68a; color: #111; padding: 1px 0; border-radius: 2px; }
.src .where { margin: 4px 0 0 0; font-size: .8em; color: var(--body-text-color-subdued); }
.src button, .reference button { margin: 4px 6px 0 0; padding: 2px 10px; font-size: .85em; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--button-secondary-border-color); background: var(--button-secondary-background-fill); color: var(--body-text-color); }
.src button:hover, .reference button:hover { border-color: var(--color-accent); }
.reference { margin-top: 6px; }
.reference .ref-text { display: block; padding: 4px 8px; font-size: .8em; user-select: all; white-space: normal; overflow-wrap: anywhere; }
.lookup-count { margin: 4px 0 8px 0; color: var(--body-text-color-subdued); }
.src.exact { border-left: 3px solid var(--color-accent); }
.exact-note { margin: 2px 0; font-size: .85em; font-weight: 600; }
table.timings { width: 100%; font-size: .9em; }
table.timings td { padding: 2px 6px; }
table.timings td:last-child { text-align: right; font-variant-numeric: tabular-nums; }
table.timings .stage { font-size: .85em; color: var(--body-text-color-subdued); }
.timings-note { margin: 4px 0 0 0; font-size: .8em; color: var(--body-text-color-subdued); }
table.timings tr:not(.main) { color: var(--body-text-color-subdued); font-size: .92em; }
dialog.viewer { width: min(920px, 94vw); height: 86vh; max-height: 86vh; padding: 0; border: none; border-radius: 12px; overflow: hidden;
  background: var(--background-fill-primary); color: var(--body-text-color); box-shadow: 0 20px 50px rgba(0, 0, 0, .35); }
dialog.viewer[open] { display: flex; flex-direction: column; }
dialog.viewer::backdrop { background: rgba(15, 23, 42, .55); }
.viewer-bar { display: flex; justify-content: space-between; align-items: center; padding: 8px 14px;
  border-bottom: 1px solid var(--block-border-color); font-size: .9em; color: var(--body-text-color-subdued); }
.viewer-bar p { margin: 0; }
.viewer-close { padding: 2px 10px; border-radius: 6px; cursor: pointer; border: 1px solid var(--block-border-color);
  background: var(--button-secondary-background-fill); color: var(--body-text-color); }
.viewer-body { flex: 1; padding: 12px 22px 22px; overflow-y: auto; }
.viewer-body:focus-visible, .viewer-close:focus-visible, .src:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 2px; }
.viewer-body .article-title { margin: 6px 0 10px; font-size: 1.5em; font-weight: 700; line-height: 1.3; }
.viewer-body .article-text :is(h3, h4, h5, h6) { margin: 1.1em 0 .4em; font-weight: 700; line-height: 1.35; }
.viewer-body .article-text h3 { font-size: 1.2em; }
.viewer-body .article-text :is(h4, h5, h6) { font-size: 1.05em; }
.viewer-body .notice { margin: 0 0 1em; font-size: .85em; border-left: 3px solid #f79009; padding: 2px 8px; white-space: normal; }
.article-text { white-space: pre-wrap; line-height: 1.6; overflow-wrap: anywhere; }
.article-text mark#hit { outline: 2px solid #f59e0b; }
/* Documents tab */
#documents-line .documents-line { margin: 0 0 6px 0; font-size: .9em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.documents-note { margin: 4px 0 10px 0; font-size: .9em; }
.documents-note.read-only { border-left: 3px solid #b54708; padding: 4px 10px; }
table.documents { width: 100%; border-collapse: collapse; font-size: .92em; }
table.documents caption { text-align: left; font-weight: 700; padding: 4px 0 8px 0; }
table.documents th { text-align: left; border-bottom: 2px solid var(--block-border-color); padding: 6px 8px; }
table.documents td { border-bottom: 1px solid var(--block-border-color); padding: 6px 8px; vertical-align: top; }
table.documents td.num, table.documents th:nth-child(2), table.documents th:nth-child(3) { text-align: right; font-variant-numeric: tabular-nums; }
table.documents .doc-title { display: block; font-weight: 700; }
table.documents .doc-source { display: block; font-size: .85em; font-family: var(--font-mono); overflow-wrap: anywhere; }
table.documents .doc-notice { font-size: .85em; max-width: 28em; }
.documents-report { margin: 8px 0; padding-left: 1.2em; }
.documents-report .doc-failed { color: #b42318; }
.documents-question { margin: 4px 0; }
#documents-add { background: #1d4ed8; border-color: #1d4ed8; color: #fff; }  /* white on the theme's blue-500/red-500 is under 4.5:1 */
#documents-add:hover { background: #1e40af; }
#documents-remove, #documents-remove-yes { background: #b91c1c; border-color: #b91c1c; color: #fff; }
#documents-remove:hover, #documents-remove-yes:hover { background: #991b1b; }
#documents-upload .or { color: var(--body-text-color); }
"""
