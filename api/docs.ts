/**
 * The browsable documentation page (`GET /v1/docs`): the OpenAPI document rendered as plain HTML, server-side, with
 * no scripts (so it works under the strict Content-Security-Policy and without any download).
 */

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const code = (s: string) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  'x-roles'?: string[];
  parameters: Array<{ name: string; in: string; required: boolean; description?: string; schema: unknown }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

export function renderDocs(doc: Record<string, any>): string {
  const sections: string[] = [];
  for (const tag of doc.tags as Array<{ name: string }>) {
    const ops: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!op.tags.includes(tag.name)) continue;
        const params = op.parameters.length
          ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>${op.parameters
              .map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${esc(JSON.stringify(p.schema))}</code></td></tr>`)
              .join('')}</table>`
          : '';
        const body = op.requestBody ? `<h4>Request body</h4><pre>${esc(JSON.stringify(op.requestBody.content['application/json']?.schema, null, 2))}</pre>` : '';
        const responses = Object.entries(op.responses)
          .map(([status, r]) => {
            const schema = r.content ? Object.values(r.content)[0]?.schema : undefined;
            const shown = schema && !(schema as { $ref?: string }).$ref ? `<details><summary>schema</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>` : '';
            return `<li><b>${esc(status)}</b> ${code(r.description)}${shown}</li>`;
          })
          .join('');
        ops.push(`<section id="${esc(op.operationId)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${code(op.summary)}${op['x-roles'] ? ` <small>roles: ${op['x-roles'].map(esc).join(', ')}</small>` : ' <small>public</small>'}</p>
${op.description ? `<p>${code(op.description)}</p>` : ''}${params}${body}<h4>Responses</h4><ul>${responses}</ul></section>`);
      }
    }
    sections.push(`<h2 id="tag-${esc(tag.name)}">${esc(tag.name)}</h2>${ops.join('\n')}`);
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font:13px ui-monospace,monospace;background:#f4f4f4}pre{padding:.5rem;overflow:auto}section{border-top:1px solid #ddd;padding:.5rem 0}
.m{display:inline-block;min-width:3.5rem;padding:0 .3rem;color:#fff;border-radius:3px;font-size:13px}.get{background:#2a7}.post{background:#27c}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}small{color:#666}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${code(doc.info.description)}</p>
<p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3.1). Errors are RFC 9457 <code>application/problem+json</code>.</p>
<nav>${(doc.tags as Array<{ name: string }>).map((t) => `<a href="#tag-${esc(t.name)}">${esc(t.name)}</a>`).join(' · ')}</nav>
${sections.join('\n')}
</body></html>`;
}
