import sys, torch
import diffusers
cls = getattr(diffusers, sys.argv[1])
kw = dict(a.split("=", 1) for a in sys.argv[3:])
obj = cls.from_pretrained(sys.argv[2], **kw)
print(type(obj).__name__, "loaded")
