"""Margin leaks: what Xarios charged against what Atria billed, for one billing period.

``period.reconcile`` is the whole job (the CLI, ``XLB_RECONCILE``, the Reconcile button and the refresh call
it); ``compare`` matches customers and products, ``result`` is what comes out, ``mapping`` reads the product
and tenant mappings, ``text`` words the result for a terminal and ``book`` writes its workbook.
"""
