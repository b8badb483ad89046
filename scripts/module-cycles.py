#!/usr/bin/env python3
"""No cycles between conform's top-level modules (src/<module>): a module's code (comments and
test modules left out) names others as `crate::<module>`; a strongly connected group of two or
more is a cycle, printed with the files that make each edge. Exit 1 on a cycle, 0 otherwise."""
import re,os,glob,collections,sys
mods=set()
for p in os.listdir('src'):
    if p in('lib.rs','main.rs','cli','prelude.rs'):continue
    mods.add(p[:-3] if p.endswith('.rs') else p)
g=collections.defaultdict(lambda: collections.defaultdict(list))
for f in glob.glob('src/**/*.rs',recursive=True):
    rel=f[4:]; m=rel.split('/')[0]; m=m[:-3] if m.endswith('.rs') else m
    if m not in mods:continue
    if re.search(r'(^|/)tests?(\.rs|/)',rel): continue
    s=open(f).read()
    s=re.split(r'#\[cfg\(test\)\]',s)[0]
    s='\n'.join(l for l in s.split('\n') if not l.strip().startswith('//'))
    for t in re.findall(r'crate::(\w+)',s):
        if t!=m and t in mods: g[m][t].append(f)
    for block in re.findall(r'use crate::\{([^;]*)\};',s,re.S):
        for t in re.findall(r'(?<![:\w])(\w+)(?=::|\s*[,}])',block):
            if t!=m and t in mods: g[m][t].append(f)
index={};low={};st=[];on=set();res=[];i=[0]
sys.setrecursionlimit(10000)
def sc(v):
    index[v]=low[v]=i[0];i[0]+=1;st.append(v);on.add(v)
    for w in g[v]:
        if w not in index: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],index[w])
    if low[v]==index[v]:
        c=[]
        while True:
            w=st.pop();on.discard(w);c.append(w)
            if w==v:break
        if len(c)>1:res.append(c)
for v in sorted(mods):
    if v not in index: sc(v)
if not res:
    print(f'no cycle among {len(mods)} top-level modules')
    sys.exit(0)
print('module cycles:', res)
for c in res:
    for a in c:
        for b in sorted(x for x in g[a] if x in c): print(a,'->',b, sorted(set(g[a][b]))[:3])
sys.exit(1)
