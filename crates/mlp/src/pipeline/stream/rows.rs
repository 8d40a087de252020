//! The training rows of a file streamed from disk, as the network sees them.

use ndarray::Array2;

use super::super::split::{complement, gather};
use super::Budget;
use super::survey::complete;
use crate::data::CsvStream;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::model::Model;

/// The training rows of the file, scaled and encoded as the network sees them, read a piece at
/// a time; the validation rows (`skip`) left out.
pub(super) struct Rows<T> {
    csv: CsvStream,
    pub(super) model: Model,
    pub(super) skip: Vec<usize>,
    piece_rows: usize,
    /// The file's rows.
    total: usize,
    /// The file's row that comes next, and the next of `skip` to meet.
    row: usize,
    skip_at: usize,
    carry: (Vec<T>, Vec<T>),
    width: (usize, usize),
}

impl<T: Float> Rows<T> {
    pub(super) fn new(
        csv: CsvStream,
        model: &Model,
        (total, skip): (usize, Vec<usize>),
        row_bytes: usize,
        budget: Budget,
    ) -> Self {
        let width = (model.network.n_inputs(), model.network.n_outputs());
        Rows {
            total,
            csv,
            model: model.clone(),
            skip,
            piece_rows: budget.piece_rows(row_bytes.max(1), 1),
            row: 0,
            skip_at: 0,
            carry: (Vec::new(), Vec::new()),
            width,
        }
    }

    pub(super) fn train_rows(&self) -> usize {
        self.total - self.skip.len()
    }

    /// Reads the next piece of the file: its training rows and its validation rows, encoded
    /// (scaled when the model has its scaling); `None` at the end.
    #[allow(clippy::type_complexity)]
    fn next_piece(&mut self) -> Result<Option<((Array2<T>, Array2<T>), (Array2<T>, Array2<T>))>> {
        let Some(piece) = self.csv.next_piece::<T>()? else {
            return Ok(None);
        };
        complete(&piece)?;
        let y: Array2<T> = self.model.encode_targets(&piece.targets, &piece.name)?;
        let x = piece.x;
        let m = x.nrows();
        let mut held = Vec::new();
        while self.skip_at < self.skip.len() && self.skip[self.skip_at] < self.row + m {
            held.push(self.skip[self.skip_at] - self.row);
            self.skip_at += 1;
        }
        self.row += m;
        let keep = complement(m, &held);
        let (mut xt, yt) = (gather(x.view(), &keep), gather(y.view(), &keep));
        let (xv, yv) = (gather(x.view(), &held), gather(y.view(), &held));
        // The targets were scaled by encoding (the model's target scaling, once it has one).
        self.model.scale_inputs(&mut xt);
        Ok(Some(((xt, yt), (xv, yv))))
    }

    /// Calls `f(x, y, validation)` on the training rows of every piece of the file, from the
    /// start, with the piece's validation rows (as read) when it has some.
    pub(super) fn each_piece(
        &mut self,
        mut f: impl FnMut(&Array2<T>, &Array2<T>, Option<(&Array2<T>, &Array2<T>)>),
    ) -> Result<()> {
        self.start()?;
        while let Some(((x, y), (xv, yv))) = self.next_piece()? {
            let held = (xv.nrows() > 0).then_some((&xv, &yv));
            f(&x, &y, held);
        }
        Ok(())
    }

    fn start(&mut self) -> Result<()> {
        self.csv.restart()?;
        self.row = 0;
        self.skip_at = 0;
        self.carry.0.clear();
        self.carry.1.clear();
        Ok(())
    }
}

impl<T: Float> crate::driver::RowSource<T> for Rows<T> {
    fn rows(&self) -> usize {
        self.train_rows()
    }

    fn piece_rows(&self) -> usize {
        self.piece_rows
    }

    fn restart(&mut self) -> Result<()> {
        self.start()
    }

    fn next_rows(&mut self, count: usize) -> Result<(Array2<T>, Array2<T>)> {
        let (w, k) = self.width;
        while self.carry.0.len() < count * w {
            let Some(((x, y), _)) = self.next_piece()? else {
                return Err(Error::Data {
                    at: crate::error::Location::file(self.csv.name()),
                    message: "has fewer rows than when it was first read: it changed during \
                              training"
                        .into(),
                });
            };
            self.carry.0.extend(x.iter().copied());
            self.carry.1.extend(y.iter().copied());
        }
        let x: Vec<T> = self.carry.0.drain(..count * w).collect();
        let y: Vec<T> = self.carry.1.drain(..count * k).collect();
        let bad = |_| Error::shape("a piece of rows", "whole rows", "a part of one");
        Ok((
            Array2::from_shape_vec((count, w), x).map_err(bad)?,
            Array2::from_shape_vec((count, k), y).map_err(bad)?,
        ))
    }
}
