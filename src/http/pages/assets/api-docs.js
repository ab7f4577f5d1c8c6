// The API reference (views-api-docs.ts) is complete without script; this adds a filter over its operations: typing
// "vehicles" or "post target" keeps the operations whose method, path, summary or tag hold every word, and hides
// the tags left empty. A status line says how many are shown.
const box = document.getElementById('api-filter');
const ops = [...document.querySelectorAll('article.op')];
const tags = [...document.querySelectorAll('section.tag')];

const input = Object.assign(document.createElement('input'), { type: 'search', id: 'api-filter-input', autocomplete: 'off' });
input.setAttribute('aria-describedby', 'api-filter-status');
const label = Object.assign(document.createElement('label'), { htmlFor: 'api-filter-input', textContent: 'Find an operation' });
const status = Object.assign(document.createElement('p'), { id: 'api-filter-status', className: 'hint' });
status.setAttribute('role', 'status');
box.className = 'field';
box.append(label, input, status);

function apply() {
  const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const op of ops) {
    const hit = words.every((w) => op.dataset.search.includes(w));
    op.hidden = !hit;
    // The tag's index entry follows its operation.
    const link = document.querySelector(`.op-index a[href="#${op.id}"]`);
    if (link) link.parentElement.hidden = !hit;
    if (hit) shown++;
  }
  for (const tag of tags) tag.hidden = !tag.querySelector('article.op:not([hidden])');
  status.textContent = words.length ? `${shown} of ${ops.length} operations` : '';
}

input.addEventListener('input', apply);
