"""The omnichannel conversation report: the seed page's views over the marts.

``omnireport report <view>`` prints one view as a terminal table, CSV or JSON;
``omnireport report html`` writes one self-contained HTML file with charts. Every
number comes from schema ``marts``, read through :func:`source.open_marts`.
"""
