import html
from string import Formatter

from django import template

from core.masking import mask_mobile as _mask_mobile
from core.masking import mask_name as _mask_name

register = template.Library()


@register.filter
def mask_mobile(value):
    return _mask_mobile(value)


@register.filter
def mask_name(value):
    return _mask_name(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


class RowsNode(template.Node):
    def __init__(self, rows, body: str, fields: tuple[str, ...]):
        self.rows, self.body, self.fields = rows, body, fields

    def render(self, context) -> str:
        body, fields = self.body, self.fields
        return "".join(body.format_map({f: _escape(getattr(row, f)) for f in fields}) for row in self.rows.resolve(context) or ())


def _escape(value) -> str:
    """``conditional_escape`` without its lazy-string wrapper (a third of the rows' time): safe markup as
    it is, anything else through the same ``html.escape`` that Django's ``escape`` uses."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


@register.tag
def rows(parser, token):
    """``{% rows people %}<li>{name}</li>{% endrows %}``: the body once for each row, every ``{field}`` the
    row's attribute, HTML-escaped.

    For long lists: the template engine's per-variable and per-loop cost made the rows of a 50-row page
    over a millisecond (make bench); here a page is one node. The body is plain markup (no tags, no
    ``{{ }}``); anything computed (masking, links, labels) comes from the row's own attributes.
    """
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("Usage: {% rows <list> %}…{field}…{% endrows %}")
    nodelist = parser.parse(("endrows",))
    parser.delete_first_token()
    if any(not isinstance(node, template.base.TextNode) for node in nodelist):
        raise template.TemplateSyntaxError("{% rows %} holds plain markup with {field} placeholders only")
    body = "".join(node.s for node in nodelist)
    fields = []
    try:
        parsed = list(Formatter().parse(body))
    except ValueError as exc:
        raise template.TemplateSyntaxError(f"{{% rows %}}: {exc} (write {{{{ and }}}} for literal braces)") from exc
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise template.TemplateSyntaxError(f"{{% rows %}}: {{{field}}} must be a plain attribute name")
        fields.append(field)
    return RowsNode(parser.compile_filter(bits[1]), body, tuple(dict.fromkeys(fields)))
