"""Resistance prediction: WHO-catalogue annotation, catalogue loading, expert rules, per-drug calls, HTML report."""

from genoflow.resistance.annotate import annotate
from genoflow.resistance.catalogue import Catalogue, load_catalogue
from genoflow.resistance.predict import predict
from genoflow.resistance.render import render_html
from genoflow.resistance.who_category import who_category

__all__ = ["Catalogue", "annotate", "load_catalogue", "predict", "render_html", "who_category"]
