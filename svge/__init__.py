__version__ = "0.1.0"

_SHORTCUTS = {'load_pretrained': 'pretrained', 'encode_cells': 'encode_cells', 'decode_codes': 'decode_codes'}

def __getattr__(name):
    "`svge.load_pretrained('nb201')`, `svge.encode_cells`, `svge.decode_codes`: svge.pretrained's, imported on first use (`import svge` stays light)."
    if name in _SHORTCUTS:
        from svge import pretrained as module
        return getattr(module, _SHORTCUTS[name])
    raise AttributeError(f"module 'svge' has no attribute {name!r}")
