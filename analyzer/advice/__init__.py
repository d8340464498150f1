"""What a report tells the buyer: facts, exit cost, verdict, questions, how to get money back
(advise), the advert check (offer), and their typed results (model)."""
