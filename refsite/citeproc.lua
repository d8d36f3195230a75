-- Formats a batch of citations with pandoc's citeproc, in one process.
-- Usage: pandoc lua citeproc.lua IN.json OUT.json
-- IN:  {csl, lang, refs = {id = csl-json}, bibtex, private = {fields}, types = {id = type},
--       docs = {{{id, locator, keep}, ...}, ...}, runs = {{doc numbers}, ...}, bib = {ids},
--       extra = {csl-json items}}
-- OUT: {docs = {html, ...}, bib = {{id, html}, ...}, extra = {{id, html}, ...}, runs = N}
-- ('runs': how many citeproc runs formatted the documents)
-- Each docs[i] is one HTML string: the kept notes, each preceded by <!--note N-->.
-- With 'convert' set, OUT is the CSL-JSON of the settled BibTeX entries instead.
local input, output = arg[1], arg[2]
local fh = assert(io.open(input, 'r'))
local data = pandoc.json.decode(fh:read('a'), false)
fh:close()

-- Works come as CSL-JSON items in 'refs', or as BibTeX text in 'bibtex', read here by pandoc
-- itself so that links and quotations inside fields survive. Each entry read from BibTeX is
-- settled: 'private' fields dropped, a type from 'types' when pandoc leaves it untyped, a
-- report's type and number read as its series and number, a publisher named twice named once.
local function text(v) return v ~= nil and pandoc.utils.stringify(v) or '' end

local function settle(r, id)
  for _, name in ipairs(data.private or {}) do r[name] = nil end
  if text(r.type) == '' and data.types and data.types[id] then r.type = data.types[id] end
  if text(r.type) == 'report' and text(r.genre) ~= '' then
    if text(r['collection-title']) == '' or text(r['collection-title']):lower() == text(r.genre):lower() then
      r['collection-title'] = r.genre
      if r.number ~= nil and r['collection-number'] == nil then
        r['collection-number'] = r.number
        r.number = nil
      end
      r.genre = nil
    end
  end
  if text(r.type) == 'report' and text(r['collection-title']) ~= '' and r.number ~= nil and r['collection-number'] == nil then
    r['collection-number'] = r.number
    r.number = nil
  end
  if r.publisher ~= nil then
    local parts, seen = {}, {}
    for part in (text(r.publisher) .. ';'):gmatch('%s*([^;]-)%s*;') do
      if part ~= '' and not seen[part] then seen[part] = true; parts[#parts + 1] = part end
    end
    if #parts < #(text(r.publisher) .. ';'):gsub('[^;]', '') then r.publisher = table.concat(parts, '; ') end
  end
  return r
end

-- CSL-JSON items are read by pandoc's own CSL-JSON reader (dates, markup, names as CSL means them).
local function read_csl(items)
  if #items == 0 then return {} end
  return pandoc.read(pandoc.json.encode(items), 'csljson').meta.references or {}
end

local refs = {}
do
  local list = {}
  for _, item in pairs(data.refs or {}) do list[#list + 1] = item end
  for _, r in ipairs(read_csl(list)) do refs[text(r.id)] = r end
end
local read = {}
if data.bibtex and data.bibtex ~= '' then
  local doc = pandoc.read(data.bibtex, 'biblatex')
  for _, r in ipairs(doc.meta.references or {}) do
    local id = text(r.id)
    refs[id] = settle(r, id)
    read[#read + 1] = refs[id]
  end
end

if data.convert then  -- the settled entries as CSL-JSON, nothing formatted
  local fo = assert(io.open(output, 'w'))
  fo:write(pandoc.write(pandoc.Pandoc({}, {references = read}), 'csljson'))
  fo:close()
  return
end

local function subset(ids)
  local out, seen = {}, {}
  for _, id in ipairs(ids) do
    if not seen[id] and refs[id] then
      seen[id] = true
      out[#out + 1] = refs[id]
    end
  end
  return out
end

-- Every document carries every work of the batch (cited or nocite), so that
-- disambiguation is the same in all notes and in the bibliography.
local universe = {}
for _, id in ipairs(data.universe or {}) do universe[#universe + 1] = id end
local universe_cites = {}
for _, id in ipairs(universe) do universe_cites[#universe_cites + 1] = pandoc.Citation(id, 'NormalCitation') end

local function meta(references, suppress)
  local m = {references = references, csl = data.csl, lang = data.lang,
             ['suppress-bibliography'] = suppress, ['link-citations'] = false}
  if #universe_cites > 0 then
    m.nocite = pandoc.Inlines({pandoc.Cite({pandoc.Str('nocite')}, universe_cites)})
  end
  return m
end

-- Spans without attributes (a quotation's, a word kept from case changes) carry nothing: unwrap them.
local function bare(span)
  if span.identifier == "" and #span.classes == 0 and #span.attributes == 0 then return span.content end
end

local function html(blocks)
  blocks = pandoc.Pandoc(blocks):walk({Span = bare}).blocks
  local text = pandoc.write(pandoc.Pandoc(blocks), 'html', {wrap_text = 'none'})
  return text
end

-- A note citation's text: the content of the note pandoc put it in (read directly where the
-- paragraph is that note alone, the common case; else found by a walk).
local function note_blocks(para)
  local c = para.content
  if #c == 1 and c[1].t == 'Cite' and #c[1].content == 1 and c[1].content[1].t == 'Note' then
    return c[1].content[1].content
  end
  local found = nil
  para:walk({Note = function(n) found = n.content end})
  if found then return found end
  local inlines = para.content
  if #inlines == 1 and inlines[1].t == 'Cite' then inlines = inlines[1].content end
  return pandoc.Blocks({pandoc.Plain(inlines)})
end

local function cite_para(c)
  local cit = pandoc.Citation(c.id, 'NormalCitation')
  if c.locator and c.locator ~= '' then
    cit.suffix = pandoc.Inlines(', ' .. c.locator)
  end
  return pandoc.Para({pandoc.Cite({pandoc.Str('[@' .. c.id .. ']')}, {cit})})
end

local result = {docs = {}, bib = {}, extra = {}, runs = 0}

-- Formats the documents numbered in 'nums' in one citeproc run, each in a section of its own
-- that starts citation positions afresh (pandoc's 'reset-citation-positions' class), so each
-- comes out as it would alone; the run's work on every work of the batch is done once.
local function run(nums)
  local blocks, all = {}, {}
  for _, id in ipairs(universe) do all[#all + 1] = id end
  for _, di in ipairs(nums) do
    blocks[#blocks + 1] = pandoc.Header(1, {}, pandoc.Attr('', {'reset-citation-positions'}))
    for _, c in ipairs(data.docs[di]) do
      all[#all + 1] = c.id
      blocks[#blocks + 1] = cite_para(c)
    end
  end
  local res = pandoc.utils.citeproc(pandoc.Pandoc(blocks, meta(subset(all), true)))
  result.runs = result.runs + 1
  local k, n, out = 0, 0, nil
  local function close()
    if out then result.docs[nums[k]] = html(out) end
  end
  for _, b in ipairs(res.blocks) do
    if b.t == 'Header' then
      close()
      k, n, out = k + 1, 0, {}
    elseif b.t == 'Para' then
      n = n + 1
      if data.docs[nums[k]][n].keep then
        out[#out + 1] = pandoc.RawBlock('html', '<!--note ' .. (n - 1) .. '-->')
        out[#out + 1] = pandoc.Div(note_blocks(b))
      end
    end
  end
  close()
end

-- 'runs' groups the documents: those of a group share one run where pandoc resets positions at
-- such sections (3.9 and later); with an older pandoc each document runs alone.
local together = PANDOC_VERSION >= {3, 9}
for _, nums in ipairs(data.runs) do
  if together then
    run(nums)
  else
    for _, di in ipairs(nums) do run({di}) end
  end
end

local function bibliography(items, target)
  if #items == 0 then return end
  local m = meta(items, false)
  local cites = {}
  for _, item in ipairs(items) do cites[#cites + 1] = pandoc.Citation(text(item.id), 'NormalCitation') end
  m.nocite = pandoc.Inlines({pandoc.Cite({pandoc.Str('nocite')}, cites)})
  local res = pandoc.utils.citeproc(pandoc.Pandoc({}, m))
  res:walk({Div = function(div)
    if div.identifier:sub(1, 4) == 'ref-' then
      target[#target + 1] = {div.identifier:sub(5), html(div.content)}
    end
  end})
end

local bibids = {}
for _, id in ipairs(data.bib) do bibids[#bibids + 1] = id end
bibliography(subset(bibids), result.bib)
-- each extra item alone: a bibliography would print a repeated author as "———"
for _, item in ipairs(read_csl(data.extra or {})) do bibliography({item}, result.extra) end

local fo = assert(io.open(output, 'w'))
fo:write(pandoc.json.encode(result))
fo:close()
