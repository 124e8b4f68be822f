"""Every fixed text the assistant says or sends to a model, in one place."""

REFUSAL = "The documents do not answer this question. The closest passages are listed below."
