"""MkDocs hook: serve MathJax from the site itself (copied from the jupyter-server-mathjax wheel), so the pages
render their formulas without any third-party server and the offline browser check sees no failed request."""
import shutil
from pathlib import Path


def on_post_build(config, **kwargs):
    import jupyter_server_mathjax
    static = Path(jupyter_server_mathjax.__file__).parent / 'static'
    target = Path(config['site_dir']) / 'mathjax'
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(static, target)


# The wheel carries MathJax's STIX-Web fonts only: tell MathJax to use them (its default, the TeX fonts, is absent).
FONTS = ('<script>window.MathJax = {"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", '
         'imageFont: null}, MatchWebFonts: {matchFor: {"HTML-CSS": false}}};</script>\n')


def on_post_page(output, page, config):
    return output.replace('<script src="../mathjax/MathJax.js', FONTS + '<script src="../mathjax/MathJax.js', 1)
