-- Formats a batch of citations with pandoc's citeproc, in one process.
-- Usage: pandoc lua citeproc.lua IN.json OUT.json
-- IN:  {csl, lang, refs = {id = csl-json}, docs = {{{id, locator, keep}, ...}, ...},
--       bib = {ids}, extra = {csl-json items}}
-- OUT: {docs = {html, ...}, bib = {{id, html}, ...}, extra = {{id, html}, ...}}
-- Each docs[i] is one HTML string: the kept notes, each preceded by <!--note N-->.
local input, output = arg[1], arg[2]
local fh = assert(io.open(input, 'r'))
local data = pandoc.json.decode(fh:read('a'), false)
fh:close()

local refs = data.refs

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

local function html(blocks)
  local text = pandoc.write(pandoc.Pandoc(blocks), 'html', {wrap_text = 'none'})
  return text
end

local function note_blocks(para)
  local found = nil
  para:walk({Note = function(n) found = n.content end})
  if found then return found end
  local inlines = para.content
  if #inlines == 1 and inlines[1].t == 'Cite' then inlines = inlines[1].content end
  return pandoc.Blocks({pandoc.Plain(inlines)})
end

local result = {docs = {}, bib = {}, extra = {}}
for di, doc in ipairs(data.docs) do
  local blocks, ids = {}, {}
  for _, c in ipairs(doc) do
    ids[#ids + 1] = c.id
    local cit = pandoc.Citation(c.id, 'NormalCitation')
    if c.locator and c.locator ~= '' then
      cit.suffix = pandoc.Inlines(', ' .. c.locator)
    end
    blocks[#blocks + 1] = pandoc.Para({pandoc.Cite({pandoc.Str('[@' .. c.id .. ']')}, {cit})})
  end
  local t0 = os.clock()
  local all = {}
  for _, id in ipairs(universe) do all[#all + 1] = id end
  for _, id in ipairs(ids) do all[#all + 1] = id end
  local res = pandoc.utils.citeproc(pandoc.Pandoc(blocks, meta(subset(all), true)))
  if os.getenv("REFSITE_CITE_TIMING") then io.stderr:write(string.format("doc %d: %d cites, citeproc %.2fs\n", di, #blocks, os.clock() - t0)) end
  local out, n = {}, 0
  for _, b in ipairs(res.blocks) do
    if b.t == 'Para' then
      n = n + 1
      if doc[n].keep then
        out[#out + 1] = pandoc.RawBlock('html', '<!--note ' .. (n - 1) .. '-->')
        out[#out + 1] = pandoc.Div(note_blocks(b))
      end
    end
  end
  result.docs[di] = html(out)
end

local function bibliography(items, target)
  if #items == 0 then return end
  local m = meta(items, false)
  local cites = {}
  for _, item in ipairs(items) do cites[#cites + 1] = pandoc.Citation(item.id, 'NormalCitation') end
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
bibliography(data.extra, result.extra)

local fo = assert(io.open(output, 'w'))
fo:write(pandoc.json.encode(result))
fo:close()
