"""The PDF engines: pure functions of plain values, with no database inside.

`render` turns a notice's context into HTML and PDF bytes, reading only Beacon's static files;
`sign` signs bytes with a PKCS#12 bundle (pyHanko); `verify` checks a signed file. The ORM code
that drives them (notices, the binder, their tasks and pages) lives one level up, in
communications/pdf/.
"""
